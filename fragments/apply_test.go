package fragments

import (
	"fmt"
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
		for _, n := range nodes {
			el.Parent.InsertBefore(n, el)
		}
		el.Parent.RemoveChild(el)
	case ActionAppend:
		if el == nil {
			return fmt.Errorf("no element")
		}
		nodes, err := parseIn(el, u.HTML)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			el.AppendChild(n)
		}
	case ActionRemove:
		if el == nil {
			return fmt.Errorf("no element")
		}
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
		if !hasID(nodes, u.FragmentID) {
			return fmt.Errorf("html does not hold #%s", u.FragmentID)
		}
		ref := target
		if u.Action == ActionInsertAfter {
			ref = target.NextSibling
		}
		for _, n := range nodes {
			target.Parent.InsertBefore(n, ref)
		}
	default:
		return fmt.Errorf("unknown action %q", u.Action)
	}
	return nil
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

// normalBody serializes the body of doc with whitespace-only text nodes
// dropped (except inside pre, listing, textarea, script and style) and
// adjacent text merged: the equality Diff guarantees.
func normalBody(doc *html.Node) string {
	var b strings.Builder
	body := findBody(doc)
	if body == nil {
		return "<no body>"
	}
	writeNode(&b, body, false)
	return b.String()
}

func writeNode(b *strings.Builder, n *html.Node, keepWS bool) {
	switch n.Type {
	case html.TextNode:
		b.WriteString(html.EscapeString(n.Data))
	case html.CommentNode:
		b.WriteString("<!--" + n.Data + "-->")
	case html.ElementNode:
		b.WriteString("<" + n.Namespace + ":" + n.Data)
		for _, a := range n.Attr {
			fmt.Fprintf(b, " %s:%s=%q", a.Namespace, a.Key, a.Val)
		}
		b.WriteString(">")
		switch n.DataAtom {
		case atom.Pre, atom.Listing, atom.Textarea, atom.Script, atom.Style, atom.Title,
			atom.Xmp, atom.Iframe, atom.Noembed, atom.Noframes, atom.Noscript, atom.Plaintext:
			keepWS = keepWS || n.Namespace == ""
		}
		var text strings.Builder
		flush := func() {
			if s := text.String(); s != "" && (keepWS || strings.TrimSpace(s) != "") {
				b.WriteString(html.EscapeString(s))
			}
			text.Reset()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				text.WriteString(c.Data)
				continue
			}
			flush()
			writeNode(b, c, keepWS)
		}
		flush()
		b.WriteString("</" + n.Data + ">")
	}
}
