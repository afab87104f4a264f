package serialize

import (
	"strings"

	"golang.org/x/net/html"
)

// Outer returns n as the browser's outerHTML would give it: an element
// with its attributes and its descendants, a text node escaped as its
// parent requires, a comment; a document node is its children.
func Outer(n *html.Node) string {
	var b strings.Builder
	Write(&b, n, nil)
	return b.String()
}

// Write writes Outer(n) to b. When mark is not nil it is called for every
// element written, n and its descendants, with where its outerHTML starts
// and ends in b.
func Write(b *strings.Builder, n *html.Node, mark func(el *html.Node, start, end int)) {
	w := writer{b, mark}
	w.node(n)
}

type writer struct {
	*strings.Builder
	mark func(el *html.Node, start, end int)
}

func (w writer) node(n *html.Node) {
	switch n.Type {
	case html.ElementNode:
		start := w.Len()
		w.element(n)
		if w.mark != nil {
			w.mark(n, start, w.Len())
		}
	case html.TextNode:
		if p := n.Parent; p != nil && p.Type == html.ElementNode && p.Namespace == "" && rawText[p.Data] {
			w.WriteString(n.Data)
			return
		}
		escape(w, n.Data, false)
	case html.CommentNode:
		w.WriteString("<!--")
		w.WriteString(n.Data)
		w.WriteString("-->")
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.node(c)
		}
	case html.DoctypeNode:
		w.WriteString("<!DOCTYPE ")
		w.WriteString(n.Data)
		w.WriteByte('>')
	}
}

func (w writer) element(n *html.Node) {
	w.WriteByte('<')
	w.WriteString(n.Data)
	for _, a := range n.Attr {
		w.WriteByte(' ')
		if a.Namespace != "" {
			w.WriteString(a.Namespace)
			w.WriteByte(':')
		}
		w.WriteString(a.Key)
		w.WriteString(`="`)
		escape(w, a.Val, true)
		w.WriteByte('"')
	}
	w.WriteByte('>')
	if n.Namespace == "" && void[n.Data] {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
	w.WriteString("</")
	w.WriteString(n.Data)
	w.WriteByte('>')
}

// escape writes s escaped as an attribute value (attr) or as text.
func escape(w writer, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch c := s[i]; {
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '"' && attr:
			rep = "&quot;"
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0:
			rep = "&nbsp;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(rep)
		last = i + 1
		if rep == "&nbsp;" {
			last++
			i++
		}
	}
	w.WriteString(s[last:])
}

// void are the elements without content or end tag.
var void = set("area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr")

// rawText are the elements whose text is written as it is (noscript: as a
// browser with scripting on parses it).
var rawText = set("style", "script", "xmp", "iframe", "noembed", "noframes", "plaintext", "noscript")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Faithful reports whether the tree under n, as x/net/html parsed it, has
// its attributes in the order of the markup: the parser sorts those of the
// formatting elements (<a>, <b>, <i>...) when they have two or more, so
// their serialization would not be the browser's.
func Faithful(n *html.Node) bool {
	if n.Type == html.ElementNode && n.Namespace == "" && len(n.Attr) > 1 && formatting[n.Data] {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !Faithful(c) {
			return false
		}
	}
	return true
}

var formatting = set("a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u")
