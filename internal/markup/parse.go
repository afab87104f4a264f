package markup

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// ParseSteps turns page bodies into trees whose nodes match from step to
// step: by tag and id, else by tag and position among like siblings. The
// tokens are kept byte for byte, so a tree writes back its body exactly.
func ParseSteps(bodies []string) []*Node {
	uids := 0
	var prev *Node
	out := make([]*Node, len(bodies))
	for i, s := range bodies {
		root := Parse(s)
		match(root, prev, &uids)
		out[i], prev = root, root
	}
	return out
}

// Parse builds a tree from the tokens of a body: an end tag closes the
// nearest open element of its name; anything unmatched is kept as a text
// node holding its bytes.
func Parse(s string) *Node {
	root := &Node{Tag: "body"}
	stack := []*Node{root}
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
			n := &Node{Tag: string(name), Raw: raw}
			top.Kids = append(top.Kids, n)
			if tt == html.StartTagToken && !Void(n.Tag) {
				stack = append(stack, n)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			closed := false
			for j := len(stack) - 1; j > 0; j-- {
				if stack[j].Tag == string(name) {
					stack[j].End = raw
					stack = stack[:j]
					closed = true
					break
				}
			}
			if !closed {
				top.Kids = append(top.Kids, &Node{Tag: "#text", Text: raw})
			}
		case html.CommentToken:
			if strings.HasPrefix(raw, "<!--") && strings.HasSuffix(raw, "-->") && len(raw) >= 7 {
				top.Kids = append(top.Kids, &Node{Tag: "#comment", Text: raw[4 : len(raw)-3]})
			} else {
				top.Kids = append(top.Kids, &Node{Tag: "#text", Text: raw})
			}
		default:
			top.Kids = append(top.Kids, &Node{Tag: "#text", Text: raw})
		}
	}
}

// match gives the nodes of n the UIDs of their counterparts in prev, and
// new ones to the others.
func match(n, prev *Node, uids *int) {
	if prev == nil {
		*uids++
		n.UID = *uids
	} else {
		n.UID = prev.UID
	}
	seen := map[string]int{}
	for _, k := range n.Kids {
		key := k.key(seen)
		var twin *Node
		if prev != nil {
			seenPrev := map[string]int{}
			for _, pk := range prev.Kids {
				if pk.key(seenPrev) == key {
					twin = pk
					break
				}
			}
		}
		match(k, twin, uids)
	}
}

// key names a child among its siblings: its tag and id, else its tag and
// how many like siblings came before it (seen counts them).
func (n *Node) key(seen map[string]int) string {
	if id := n.RawID(); id != "" {
		return n.Tag + "#" + id
	}
	k := n.Tag + "@" + strconv.Itoa(seen[n.Tag])
	seen[n.Tag]++
	return k
}
