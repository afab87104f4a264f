package truth

import (
	"bytes"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// node is the markup of one step of a case as a tree whose nodes keep
// their identity (uid) from step to step, so that a case can be shrunk by
// removing a node from every step at once.
type node struct {
	uid  int
	tag  string // element name, or "#text" / "#comment"
	text string // raw text or comment body
	// raw is the start tag as a page had it; when empty the tag is
	// written from attrs.
	raw   string
	attrs []attr
	id    bool   // has id="n<uid>"
	end   string // end tag; "" for void, self-closing or unclosed
	kids  []*node
	model model // what its children may be
}

type attr struct{ k, v string }

func (n *node) clone() *node {
	c := *n
	c.attrs = append([]attr(nil), n.attrs...)
	c.kids = make([]*node, len(n.kids))
	for i, k := range n.kids {
		c.kids[i] = k.clone()
	}
	return &c
}

func (n *node) write(b *strings.Builder) {
	switch n.tag {
	case "#text":
		b.WriteString(n.text)
		return
	case "#comment":
		b.WriteString("<!--" + n.text + "-->")
		return
	}
	if n.raw != "" {
		b.WriteString(n.raw)
	} else {
		b.WriteString("<" + n.tag)
		if n.id {
			b.WriteString(` id="n` + strconv.Itoa(n.uid) + `"`)
		}
		for _, a := range n.attrs {
			b.WriteString(" " + a.k)
			if a.v != "" {
				b.WriteString(`="` + a.v + `"`)
			}
		}
		if n.end == "/" {
			b.WriteString("/>")
			return
		}
		b.WriteString(">")
	}
	for _, k := range n.kids {
		k.write(b)
	}
	if n.end != "/" {
		b.WriteString(n.end)
	}
}

// body writes the children of root: a page body.
func body(root *node) string {
	var b strings.Builder
	for _, k := range root.kids {
		k.write(&b)
	}
	return b.String()
}

// walk visits every node under n with its parent, depth first.
func walk(n *node, visit func(parent, child *node, i int)) {
	for i := 0; i < len(n.kids); i++ {
		visit(n, n.kids[i], i)
		walk(n.kids[i], visit)
	}
}

// find returns the node with uid under root and its parent.
func find(root *node, uid int) (parent, n *node, i int) {
	walk(root, func(p, c *node, k int) {
		if n == nil && c.uid == uid {
			parent, n, i = p, c, k
		}
	})
	return parent, n, i
}

// parseSteps turns page bodies into trees whose nodes match from step to
// step: by tag and id, else by tag and position among like siblings. The
// tokens are kept byte for byte, so a tree writes back its body exactly.
func parseSteps(bodies []string) []*node {
	uids := 0
	var prev *node
	out := make([]*node, len(bodies))
	for i, s := range bodies {
		root := parseBody(s)
		match(root, prev, &uids)
		out[i], prev = root, root
	}
	return out
}

// parseBody builds a tree from the tokens of a body: end tags close the
// nearest open element of their name; anything unmatched is kept as a
// text node holding its raw bytes.
func parseBody(s string) *node {
	root := &node{tag: "body"}
	stack := []*node{root}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return root
		}
		raw := string(z.Raw())
		top := stack[len(stack)-1]
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			n := &node{tag: string(name), raw: raw}
			top.kids = append(top.kids, n)
			if tt == html.StartTagToken && !voidTag(n.tag) {
				stack = append(stack, n)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			closed := false
			for j := len(stack) - 1; j > 0; j-- {
				if stack[j].tag == string(name) {
					stack[j].end = raw
					stack = stack[:j]
					closed = true
					break
				}
			}
			if !closed {
				top.kids = append(top.kids, &node{tag: "#text", text: raw})
			}
		case html.CommentToken:
			if strings.HasPrefix(raw, "<!--") && strings.HasSuffix(raw, "-->") && len(raw) >= 7 {
				top.kids = append(top.kids, &node{tag: "#comment", text: raw[4 : len(raw)-3]})
			} else {
				top.kids = append(top.kids, &node{tag: "#text", text: raw})
			}
		default:
			top.kids = append(top.kids, &node{tag: "#text", text: raw})
		}
	}
}

func voidTag(t string) bool {
	switch t {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}

// match gives the nodes of n the uids of their counterparts in prev.
func match(n, prev *node, uids *int) {
	if prev == nil {
		*uids++
		n.uid = *uids
	} else {
		n.uid = prev.uid
	}
	seen := map[string]int{}
	for _, k := range n.kids {
		key := k.key(seen)
		var twin *node
		if prev != nil {
			seenPrev := map[string]int{}
			for _, pk := range prev.kids {
				if pk.key(seenPrev) == key && pk.tag == k.tag {
					twin = pk
					break
				}
			}
		}
		match(k, twin, uids)
	}
}

// key names a child among its siblings: its id, else its tag and how
// many like siblings came before it (seen counts them).
func (n *node) key(seen map[string]int) string {
	if id := n.rawID(); id != "" {
		return n.tag + "#" + id
	}
	k := n.tag + "@" + strconv.Itoa(seen[n.tag])
	seen[n.tag]++
	return k
}

func (n *node) rawID() string {
	if n.raw == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(n.raw))
	z.Next()
	for {
		k, v, more := z.TagAttr()
		if bytes.Equal(k, []byte("id")) {
			return string(v)
		}
		if !more {
			return ""
		}
	}
}
