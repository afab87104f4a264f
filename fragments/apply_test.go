package fragments

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// applyUpdates parses page as a browser would, applies ups with the
// semantics of the package doc, and returns the document.
func applyUpdates(page string, ups []Update) (*html.Node, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, err
	}
	for i, u := range ups {
		if err := applyOne(doc, u); err != nil {
			return nil, fmt.Errorf("update %d (%s #%s): %w", i, u.Action, u.FragmentID, err)
		}
	}
	return doc, nil
}

func applyOne(doc *html.Node, u Update) error {
	if u.IsNoOp {
		return nil
	}
	if u.HTML != "" && HashHTML(u.HTML) != u.HTMLHash {
		return fmt.Errorf("html_hash mismatch")
	}
	var el *html.Node
	if u.FragmentID == "" {
		el = findBody(doc)
	} else {
		el = byID(doc, u.FragmentID)
	}
	switch u.Action {
	case ActionReplace:
		if el == nil {
			return fmt.Errorf("no element")
		}
		if u.FragmentID == "" {
			return replaceBody(doc, el, u.HTML)
		}
		nodes, err := parseIn(el.Parent, u.HTML)
		if err != nil {
			return err
		}
		if err := isLeadAndRoot(nodes, u.FragmentID); err != nil {
			return err
		}
		removeLead(el)
		insert(el.Parent, nodes, el)
		el.Parent.RemoveChild(el)
	case ActionAppend:
		if el == nil {
			return fmt.Errorf("no element")
		}
		nodes, err := parseIn(el, u.HTML)
		if err != nil {
			return err
		}
		insert(el, nodes, leadOf(el, nil))
	case ActionRemove:
		if el == nil {
			return fmt.Errorf("no element")
		}
		removeLead(el)
		el.Parent.RemoveChild(el)
	case ActionInsertAfter, ActionInsertBefore:
		target := byID(doc, u.TargetID)
		if target == nil {
			return fmt.Errorf("no target %q", u.TargetID)
		}
		nodes, err := parseIn(target.Parent, u.HTML)
		if err != nil {
			return err
		}
		if err := isLeadAndRoot(nodes, u.FragmentID); err != nil {
			return err
		}
		ref := target.NextSibling
		if u.Action == ActionInsertBefore {
			ref = leadOf(target.Parent, target)
		}
		insert(target.Parent, nodes, ref)
	default:
		return fmt.Errorf("unknown action %q", u.Action)
	}
	return nil
}

// isLeadAndRoot checks that nodes are whitespace text then the element
// #id, as the html of a fragment update parses.
func isLeadAndRoot(nodes []*html.Node, id string) error {
	for i, n := range nodes {
		if n.Type == html.TextNode && strings.Trim(n.Data, " \t\n\f\r") == "" {
			continue
		}
		if i != len(nodes)-1 || attr(n, "id") != id {
			return fmt.Errorf("html is not a lead and the element #%s", id)
		}
		return nil
	}
	return fmt.Errorf("html does not hold #%s", id)
}

func insert(parent *html.Node, nodes []*html.Node, ref *html.Node) {
	for _, n := range nodes {
		parent.InsertBefore(n, ref)
	}
}

// leadOf returns the first node of the whitespace that ends the text
// right before ref among parent's children (ref nil: the trailing
// whitespace), splitting a text node when the whitespace starts inside
// it. It returns ref when there is none.
func leadOf(parent, ref *html.Node) *html.Node {
	first := ref
	c := parent.LastChild
	if ref != nil {
		c = ref.PrevSibling
	}
	for ; c != nil && c.Type == html.TextNode; c = c.PrevSibling {
		k := len(strings.TrimRight(c.Data, " \t\n\f\r"))
		if k == 0 {
			first = c
			continue
		}
		if k < len(c.Data) {
			rest := &html.Node{Type: html.TextNode, Data: c.Data[k:]}
			c.Data = c.Data[:k]
			parent.InsertBefore(rest, c.NextSibling)
			first = rest
		}
		break
	}
	return first
}

// removeLead removes the lead of el.
func removeLead(el *html.Node) {
	for n := leadOf(el.Parent, el); n != el; {
		next := n.NextSibling
		el.Parent.RemoveChild(n)
		n = next
	}
}

func hasID(nodes []*html.Node, id string) bool {
	for _, n := range nodes {
		if attr(n, "id") == id {
			return true
		}
	}
	return false
}

func parseIn(context *html.Node, h string) ([]*html.Node, error) {
	ctx := context
	if ctx.Type != html.ElementNode {
		ctx = &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	}
	return html.ParseFragment(strings.NewReader(h), ctx)
}

func replaceBody(doc, body *html.Node, h string) error {
	htmlEl := body.Parent
	nodes, err := html.ParseFragment(strings.NewReader(h), htmlEl)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if n.Type == html.ElementNode && n.DataAtom == atom.Body {
			htmlEl.InsertBefore(n, body)
			htmlEl.RemoveChild(body)
			return nil
		}
	}
	return fmt.Errorf("no body element in html")
}

func attr(n *html.Node, key string) string {
	if n.Type != html.ElementNode {
		return ""
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// byID finds the first element with id in document order, outside
// <template> content, like document.getElementById.
func byID(n *html.Node, id string) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if attr(c, "id") == id {
			return c
		}
		if c.DataAtom == atom.Template && c.Namespace == "" {
			continue
		}
		if f := byID(c, id); f != nil {
			return f
		}
	}
	return nil
}

func findBody(doc *html.Node) *html.Node {
	var find func(*html.Node) *html.Node
	find = func(n *html.Node) *html.Node {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Body {
				return c
			}
			if c.Type == html.ElementNode && c.DataAtom == atom.Html {
				if b := find(c); b != nil {
					return b
				}
			}
		}
		return nil
	}
	return find(doc)
}

// normalBody serializes the body of doc with adjacent text merged: the
// equality Diff guarantees.
func normalBody(doc *html.Node) string {
	var b strings.Builder
	body := findBody(doc)
	if body == nil {
		return "<no body>"
	}
	writeNode(&b, body)
	return b.String()
}

func writeNode(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.CommentNode:
		b.WriteString("<!--" + n.Data + "-->")
	case html.ElementNode:
		b.WriteString("<" + n.Namespace + ":" + n.Data)
		for _, a := range n.Attr {
			fmt.Fprintf(b, " %s:%s=%q", a.Namespace, a.Key, a.Val)
		}
		b.WriteString(">")
		var text strings.Builder
		flush := func() {
			if text.Len() > 0 {
				b.WriteString("#" + strconv.Quote(text.String()))
			}
			text.Reset()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				text.WriteString(c.Data)
				continue
			}
			flush()
			writeNode(b, c)
		}
		flush()
		b.WriteString("</" + n.Data + ">\n")
	}
}
