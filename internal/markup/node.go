package markup

import (
	"bytes"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// Node is an element, a text or a comment of a page.
type Node struct {
	UID  int    // the same node in every step of a sequence
	Tag  string // element name, or "#text" or "#comment"
	Text string // of a text (raw markup) or a comment
	// Raw is the start tag as a page had it; when empty the tag is
	// written from ID and Attrs.
	Raw   string
	Attrs []Attr
	ID    bool   // it has id="n<UID>"
	End   string // the end tag; "/" writes a self-closing start tag; "" none
	Kids  []*Node
	Model Model // what its children may be
}

// Attr is an attribute; Val is written as is, in double quotes, or not at
// all when empty.
type Attr struct{ Key, Val string }

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	c := *n
	c.Attrs = append([]Attr(nil), n.Attrs...)
	c.Kids = make([]*Node, len(n.Kids))
	for i, k := range n.Kids {
		c.Kids[i] = k.Clone()
	}
	return &c
}

// Write writes n's markup to b.
func (n *Node) Write(b *strings.Builder) {
	switch n.Tag {
	case "#text":
		b.WriteString(n.Text)
		return
	case "#comment":
		b.WriteString("<!--" + n.Text + "-->")
		return
	}
	if n.Raw != "" {
		b.WriteString(n.Raw)
	} else {
		b.WriteString("<" + n.Tag)
		if n.ID {
			b.WriteString(` id="n` + strconv.Itoa(n.UID) + `"`)
		}
		for _, a := range n.Attrs {
			b.WriteString(" " + a.Key)
			if a.Val != "" {
				b.WriteString(`="` + a.Val + `"`)
			}
		}
		if n.End == "/" {
			b.WriteString("/>")
			return
		}
		b.WriteString(">")
	}
	for _, k := range n.Kids {
		k.Write(b)
	}
	if n.End != "/" {
		b.WriteString(n.End)
	}
}

// Body returns the markup of n's children: n is a page's body.
func (n *Node) Body() string {
	var b strings.Builder
	for _, k := range n.Kids {
		k.Write(&b)
	}
	return b.String()
}

// Walk visits every node under n with its parent and index, depth first.
func Walk(n *Node, visit func(parent, child *Node, i int)) {
	for i := 0; i < len(n.Kids); i++ {
		visit(n, n.Kids[i], i)
		Walk(n.Kids[i], visit)
	}
}

// Find returns the node with uid under n, its parent and its index.
func (n *Node) Find(uid int) (parent, found *Node, i int) {
	Walk(n, func(p, c *Node, k int) {
		if found == nil && c.UID == uid {
			parent, found, i = p, c, k
		}
	})
	return parent, found, i
}

// Contains reports whether c is n or under it.
func (n *Node) Contains(c *Node) bool {
	if n == c {
		return true
	}
	for _, k := range n.Kids {
		if k.Contains(c) {
			return true
		}
	}
	return false
}

// RawID returns the id attribute of a parsed start tag, or "".
func (n *Node) RawID() string {
	if n.Raw == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(n.Raw))
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

// Void reports the HTML elements that have no end tag.
func Void(tag string) bool {
	switch tag {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}
