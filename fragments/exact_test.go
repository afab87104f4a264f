package fragments

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exactCase is an old and a new page, the updates Diff must give and, for
// some, the html of the first update.
type exactCase struct {
	name     string
	old, new string
	want     []string
	html     string
}

func runExact(t *testing.T, cases []exactCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, page := []byte(padded(tc.old)), []byte(padded(tc.new))
			_, st := mustDiff(t, nil, old)
			ups, _ := mustDiff(t, st, page)
			assert.Equal(t, tc.want, summary(ups))
			if tc.html != "" {
				require.NotEmpty(t, ups)
				assert.Equal(t, tc.html, ups[0].HTML)
			}
			requireApplies(t, old, page, ups)
		})
	}
}

func TestDiff_WhitespaceIsExact(t *testing.T) {
	runExact(t, []exactCase{
		{
			name: "an inline sibling comes with the space before it",
			old:  `<body><p id="p"><span id="a">one</span> <span id="c">three</span></p></body>`,
			new:  `<body><p id="p"><span id="a">one</span> <b id="b">two</b> <span id="c">three</span></p></body>`,
			want: []string{"insertAfter b>a"},
			html: ` <b id="b">two</b>`,
		},
		{
			name: "a first item goes before the lead of the old first",
			old:  "<body><ul id=\"l\">\n  <li id=\"2\">b</li>\n</ul></body>",
			new:  "<body><ul id=\"l\">\n  <li id=\"1\">a</li>\n  <li id=\"2\">b</li>\n</ul></body>",
			want: []string{"insertBefore 1>2"},
			html: "\n  <li id=\"1\">a</li>",
		},
		{
			name: "a last item is appended before the list's trailing whitespace",
			old:  "<body><ul id=\"l\">\n  <li id=\"1\">a</li>\n</ul></body>",
			new:  "<body><ul id=\"l\">\n  <li id=\"1\">a</li>\n  <li id=\"2\">b</li>\n</ul></body>",
			want: []string{"append l"},
		},
		{
			name: "an item before other markup goes after its previous sibling",
			old:  "<body><ul id=\"l\">\n  <li id=\"1\">a</li>\n  <li>end</li>\n</ul></body>",
			new:  "<body><ul id=\"l\">\n  <li id=\"1\">a</li>\n  <li id=\"2\">b</li>\n  <li>end</li>\n</ul></body>",
			want: []string{"insertAfter 2>1"},
		},
		{
			name: "the first item of an empty indented list is appended before its trailing whitespace",
			old:  "<body><ul id=\"l\">\n</ul></body>",
			new:  "<body><ul id=\"l\">\n  <li id=\"1\">a</li>\n</ul></body>",
			want: []string{"append l"},
			html: "\n  <li id=\"1\">a</li>",
		},
		{
			name: "a removed item takes its lead along",
			old:  "<body><ul id=\"l\">\n  <li id=\"1\">a</li>\n  <li id=\"2\">b</li>\n</ul></body>",
			new:  "<body><ul id=\"l\">\n  <li id=\"1\">a</li>\n</ul></body>",
			want: []string{"remove 2"},
		},
		{
			name: "a changed lead re-sends the fragment with it",
			old:  `<body><div id="d"><i id="a">x</i> <i id="b">y</i></div></body>`,
			new:  "<body><div id=\"d\"><i id=\"a\">x</i>\n\t<i id=\"b\">y</i></div></body>",
			want: []string{"replace b"},
			html: "\n\t<i id=\"b\">y</i>",
		},
		{
			name: "the lead is the whitespace that ends the text before the element",
			old:  `<body><p id="p">Hello <b id="n">Ann</b></p></body>`,
			new:  `<body><p id="p">Hello <b id="n">Bob</b></p></body>`,
			want: []string{"replace n"},
			html: ` <b id="n">Bob</b>`,
		},
		{
			name: "text before an element changing beyond its whitespace replaces the parent",
			old:  `<body><p id="p">Hello <b id="n">Ann</b></p></body>`,
			new:  `<body><p id="p">Hi <b id="n">Ann</b></p></body>`,
			want: []string{"replace p"},
		},
		{
			name: "whitespace-only text between elements counts byte for byte",
			old:  `<body><div id="d"><i>x</i> <i>y</i></div></body>`,
			new:  `<body><div id="d"><i>x</i>  <i>y</i></div></body>`,
			want: []string{"replace d"},
		},
		{
			name: "a character reference that decodes to a space belongs to the lead",
			old:  `<body><p id="p">one&#32;&#x9;<b id="b">two</b></p></body>`,
			new:  `<body><p id="p">one&#32;&#x9;<b id="b">three</b></p></body>`,
			want: []string{"replace b"},
			html: `&#32;&#x9;<b id="b">three</b>`,
		},
		{
			name: "the newline the parser drops after <pre> is not a lead",
			old:  "<body><pre id=\"p\">\n<b id=\"b\">x</b></pre></body>",
			new:  "<body><pre id=\"p\">\n<i id=\"i\">y</i><b id=\"b\">x</b></pre></body>",
			want: []string{"insertBefore i>b"},
			html: `<i id="i">y</i>`,
		},
		{
			name: "leads inside <pre> are exact like any other",
			old:  "<body><pre id=\"p\">\n\n<b id=\"b\">x</b></pre></body>",
			new:  "<body><pre id=\"p\">\n\n  <b id=\"b\">x</b></pre></body>",
			want: []string{"replace b"},
			html: "\n  <b id=\"b\">x</b>",
		},
		{
			name: "a textarea's whitespace-only change replaces it",
			old:  "<body><form id=\"f\"><textarea id=\"t\"> </textarea></form></body>",
			new:  "<body><form id=\"f\"><textarea id=\"t\">\n\n</textarea></form></body>",
			want: []string{"replace t"},
		},
	})
}

func TestDiff_WhitespaceAfterTheBodyIsTheBodys(t *testing.T) {
	old := []byte("<html><body><p id=\"a\">" + `padding padding padding padding padding padding padding padding` + "</p></body>\n</html>\n")
	page := []byte("<html><body><p id=\"a\">" + `padding padding padding padding padding padding padding padding` + "</p><p id=\"b\">x</p></body>\n</html>\n")
	_, st := mustDiff(t, nil, old)
	ups, _ := mustDiff(t, st, page)
	assert.Equal(t, []string{"append "}, summary(ups), "appended before the body's trailing whitespace")
	requireApplies(t, old, page, ups)
}

func TestDiff_ForeignContentAndTables(t *testing.T) {
	runExact(t, []exactCase{
		{
			name: "'/ >' does not close an SVG element: its children stay inside",
			old:  `<body><svg id="s"><g id="g" / ><circle id="c" r="1"/></g></svg></body>`,
			new:  `<body><svg id="s"><g id="g" / ><circle id="c" r="2"/></g></svg></body>`,
			want: []string{"replace c"},
		},
		{
			name: "an SVG element is sent byte for byte",
			old:  `<body><svg id="s"><g id="g" / ><rect/></g></svg></body>`,
			new:  `<body><svg id="s"><g id="g" / ><rect width="1"/></g></svg></body>`,
			want: []string{"replace g"},
			html: `<g id="g" / ><rect width="1"/></g>`,
		},
		{
			name: "foreignObject holds HTML: a textarea inside keeps its whitespace",
			old:  `<body><svg><foreignObject id="f"><textarea id="t"> </textarea></foreignObject></svg></body>`,
			new:  `<body><svg><foreignObject id="f"><textarea id="t">  </textarea></foreignObject></svg></body>`,
			want: []string{"replace t"},
		},
		{
			name: "foreignObject holds HTML: a div inside is a fragment",
			old:  `<body><svg id="s"><foreignObject><div id="d">1</div><p id="p">x</p></foreignObject></svg></body>`,
			new:  `<body><svg id="s"><foreignObject><div id="d">2</div><p id="p">x</p></foreignObject></svg></body>`,
			want: []string{"replace d"},
		},
		{
			name: "annotation-xml without an HTML encoding is MathML: a div inside ends the math",
			old:  `<body><math><annotation-xml id="x"><div id="d">1</div></annotation-xml></math></body>`,
			new:  `<body><math><annotation-xml id="x"><div id="d">2</div></annotation-xml></math></body>`,
			want: []string{"replace "},
		},
		{
			name: "annotation-xml with encoding text/html holds HTML",
			old:  `<body><math><annotation-xml encoding="text/html" id="x"><div id="d">1</div></annotation-xml></math></body>`,
			new:  `<body><math><annotation-xml encoding="text/html" id="x"><div id="d">2</div></annotation-xml></math></body>`,
			want: []string{"replace d"},
		},
		{
			name: "MathML mi holds HTML text",
			old:  `<body><math id="m"><mi id="i">x</mi><mo>+</mo></math></body>`,
			new:  `<body><math id="m"><mi id="i">y</mi><mo>+</mo></math></body>`,
			want: []string{"replace i"},
		},
		{
			name: "rows without a tbody are listed like rows with one",
			old:  "<body><table id=\"t\">\n  <tr id=\"r1\"><td>1</td></tr>\n  <tr id=\"r3\"><td>3</td></tr>\n</table></body>",
			new:  "<body><table id=\"t\">\n  <tr id=\"r1\"><td>1</td></tr>\n  <tr id=\"r2\"><td>2</td></tr>\n  <tr id=\"r3\"><td>3</td></tr>\n</table></body>",
			want: []string{"insertAfter r2>r1"},
		},
		{
			name: "a new first row goes into the implied tbody",
			old:  "<body><table id=\"t\">\n  <tr id=\"r2\"><td>2</td></tr>\n  <tr id=\"r3\"><td>wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide </td></tr>\n</table></body>",
			new:  "<body><table id=\"t\">\n  <tr id=\"r1\"><td>1</td></tr>\n  <tr id=\"r2\"><td>2</td></tr>\n  <tr id=\"r3\"><td>wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide wide </td></tr>\n</table></body>",
			// r2 was the tbody's first child, without a lead; now it has one.
			want: []string{"replace r2", "insertBefore r1>r2"},
		},
		{
			name: "a removed row of an implied tbody is removed",
			old:  "<body><table id=\"t\"><tr id=\"r1\"><td>1</td></tr><tr id=\"r2\"><td>2</td></tr></table></body>",
			new:  "<body><table id=\"t\"><tr id=\"r1\"><td>1</td></tr></table></body>",
			want: []string{"remove r2"},
		},
		{
			name: "the last row gone takes the implied tbody with it",
			old:  "<body><table id=\"t\"><tr id=\"r1\"><td>1</td></tr></table></body>",
			new:  "<body><table id=\"t\"></table></body>",
			want: []string{"replace t"},
		},
		{
			name: "a caption before rows of an implied tbody",
			old:  "<body><table id=\"t\"><caption id=\"c\">1</caption><tr id=\"r1\"><td>1</td></tr></table></body>",
			new:  "<body><table id=\"t\"><caption id=\"c\">2</caption><tr id=\"r1\"><td>1</td></tr></table></body>",
			want: []string{"replace c"},
		},
		{
			name: "an explicit tbody after rows ends the implied one",
			old:  "<body><table id=\"t\"><tr id=\"r1\"><td>1</td></tr><tbody id=\"b\"><tr id=\"r2\"><td>2</td></tr></tbody></table></body>",
			new:  "<body><table id=\"t\"><tr id=\"r1\"><td>1</td></tr><tbody id=\"b\"><tr id=\"r2\"><td>3</td></tr></tbody></table></body>",
			want: []string{"replace r2"},
		},
	})
}

func TestState_OpaqueTellsWhy(t *testing.T) {
	cases := []struct {
		page, why string
		at        int
	}{
		{`<body><p>a<div id="d">b</div></p></body>`, "<div> inside an open <p> (browsers close the <p> first)", 10},
		{`<body><table><td id="c">x</td></table></body>`, "<td> directly in <table> (browsers move it or insert elements)", 13},
		{`<body><div id="d"><span>x</div></body>`, "</div> while <span> is open", 25},
		{`<body><div id="d">x`, "<div> is not closed", 19},
		{`<body><div id="d">x</div></body>`, "", 0},
	}
	for _, tc := range cases {
		st, err := NewState([]byte(tc.page))
		require.NoError(t, err)
		why, at := st.Opaque()
		assert.Equal(t, tc.why, why, tc.page)
		assert.Equal(t, tc.at, at, tc.page)
	}
}

func TestDiff_ImpliedBodyStartsWhereBrowsersStartIt(t *testing.T) {
	cases := []struct {
		name, page, body string
		ids              []string
	}{
		{"whitespace character references after </head> stay out", `<html><head></head>&#x20;&#9;<p id="a">x</p>`, `<body><p id="a">x</p>`, []string{"", "a"}},
		{"only whitespace references: an empty body", `<html><head></head>&#32;&NewLine;`, `<body>`, []string{""}},
		{"text starts it", "<head></head> \n x<p id=\"a\"></p>", "<body>x<p id=\"a\"></p>", []string{"", "a"}},
		{"<noscript> after </head> is body content", `<html><head></head><noscript id="n">x</noscript>`, `<body><noscript id="n">x</noscript>`, []string{"", "n"}},
		{"<noscript> in the head is not", `<html><head><noscript id="n">x</noscript></head><p id="a"></p>`, `<body><p id="a"></p>`, []string{"", "a"}},
		{"<template> after </head> goes into the head", `<html><head></head><template id="t">x</template><p id="a"></p>`, `<body><p id="a"></p>`, []string{"", "a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ups, st := mustDiff(t, nil, []byte(tc.page))
			require.Len(t, ups, 1)
			assert.Equal(t, tc.body, ups[0].HTML)
			assert.Equal(t, tc.ids, st.IDs)
			requireApplies(t, []byte("<p>old</p>"), []byte(tc.page), ups)
		})
	}
}

func TestDiff_NewlineAfterPreDependsOnWhatComesFirst(t *testing.T) {
	runExact(t, []exactCase{
		{
			name: "a first child removed makes the newline after it the one browsers drop",
			old:  "<body><div id=\"d\"><pre><img id=\"i\">\n  </pre></div></body>",
			new:  "<body><div id=\"d\"><pre>\n  </pre></div></body>",
			want: []string{"replace d"},
		},
		{
			name: "a first child appended keeps the newline the parser dropped before",
			old:  "<body><listing id=\"l\">&#10;</listing></body>",
			new:  "<body><listing id=\"l\"><span id=\"s\"></span>&#10;</listing></body>",
			want: []string{"replace l"},
		},
	})
}
