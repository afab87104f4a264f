package fragments

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

func TestDiff_TextChangesAreSentAsText(t *testing.T) {
	runExact(t, []exactCase{
		{
			name: "an element whose text alone changed gets the new text",
			old:  `<body><span style="font-size: 3em; font-weight: bold" id="c">1</span></body>`,
			new:  `<body><span style="font-size: 3em; font-weight: bold" id="c">2</span></body>`,
			want: []string{"text c"},
			html: "2",
		},
		{
			name: "character references are sent decoded",
			old:  `<body><p id="p">a &amp; b</p></body>`,
			new:  `<body><p id="p">a &lt; b &#39;c&#39; &#43;1 &amp</p></body>`,
			want: []string{"text p"},
			html: "a < b 'c' +1 &",
		},
		{
			name: "newlines are the parser's and U+0000 is dropped",
			old:  "<body><p id=\"p\">a</p></body>",
			new:  "<body><p id=\"p\">a\r\nb\rc\x00d&#13;</p></body>",
			want: []string{"text p"},
			html: "a\nb\ncd\r",
		},
		{
			name: "U+0000 in SVG text is U+FFFD",
			old:  "<body><svg><text id=\"t\">1</text></svg></body>",
			new:  "<body><svg><text id=\"t\">2\x00</text></svg></body>",
			want: []string{"text t"},
			html: "2\uFFFD",
		},
		{
			name: "content that became empty",
			old:  `<body><p id="p">x</p></body>`,
			new:  `<body><p id="p"></p></body>`,
			want: []string{"text p"},
			html: "",
		},
		{
			name: "elements that gave way to text are dropped with it",
			old:  `<body><div id="d"><b>x</b><i id="i">y</i></div></body>`,
			new:  `<body><div id="d">plain</div></body>`,
			want: []string{"text d"},
		},
		{
			name: "content that gained an element is replaced",
			old:  `<body><div id="d">plain</div></body>`,
			new:  `<body><div id="d">plain <b>bold</b></div></body>`,
			want: []string{"replace d"},
		},
		{
			name: "content with a comment is replaced",
			old:  `<body><div id="d">a<!--x--></div></body>`,
			new:  `<body><div id="d">b<!--x--></div></body>`,
			want: []string{"replace d"},
		},
		{
			name: "a start tag and text both changed are one replace",
			old:  `<body><table><tr><td id="p" class="up">10.00</td></tr></table></body>`,
			new:  `<body><table><tr><td id="p" class="down">9.50</td></tr></table></body>`,
			want: []string{"replace p"},
		},
		{
			name: "SVG text",
			old:  `<body><svg><text id="t" x="1">1</text></svg></body>`,
			new:  `<body><svg><text id="t" x="1">2 &amp; 3</text></svg></body>`,
			want: []string{"text t"},
		},
		{
			name: "an option's label within a select",
			old:  `<body><select id="s"><option id="o" value="1">one</option></select></body>`,
			new:  `<body><select id="s"><option id="o" value="1">uno</option></select></body>`,
			want: []string{"text o"},
		},
		{
			name: "a pre is replaced: a page drops the newline after <pre>, an innerHTML does not",
			old:  "<body><pre id=\"p\">\n1</pre></body>",
			new:  "<body><pre id=\"p\">\n2</pre></body>",
			want: []string{"replace p"},
		},
		{
			name: "a textarea is replaced",
			old:  `<body><textarea id="t">1</textarea></body>`,
			new:  `<body><textarea id="t">2</textarea></body>`,
			want: []string{"replace t"},
		},
		{
			name: "a script is replaced",
			old:  `<body><script id="s">var a = 1</script></body>`,
			new:  `<body><script id="s">var a = 2</script></body>`,
			want: []string{"replace s"},
		},
		{
			name: "a style is replaced: its text is not markup",
			old:  `<body><style id="s">p { color: red }</style></body>`,
			new:  `<body><style id="s">p { color: blue }</style></body>`,
			want: []string{"replace s"},
		},
		{
			name: "template content is not text of the element around it",
			old:  `<body><div id="t"><template>a</template></div></body>`,
			new:  `<body><div id="t"><template>b</template></div></body>`,
			want: []string{"replace t"},
		},
		{
			name: "data-cache=\"false\" is always a replace",
			old:  `<body><p id="p" data-cache="false">1</p></body>`,
			new:  `<body><p id="p" data-cache="false">2</p></body>`,
			want: []string{"replace p"},
		},
	})
}

func TestDiff_StartTagChangesAreSentAsAttrs(t *testing.T) {
	runExact(t, []exactCase{
		{
			name: "a changed attribute sends the start tag alone",
			old:  `<body><div id="task-1" class="item">` + padding + `</div></body>`,
			new:  `<body><div id="task-1" class="item completed">` + padding + `</div></body>`,
			want: []string{"attrs task-1"},
			html: `<div id="task-1" class="item completed">`,
		},
		{
			name: "a removed boolean attribute",
			old:  `<body><button id="b" disabled>Go</button></body>`,
			new:  `<body><button id="b">Go</button></body>`,
			want: []string{"attrs b"},
			html: `<button id="b">`,
		},
		{
			name: "the start tag comes with the lead",
			old:  "<body><ul id=\"l\">\n  <li id=\"a\" class=\"x\">a</li>\n</ul></body>",
			new:  "<body><ul id=\"l\">\n  <li id=\"a\" class=\"y\">a</li>\n</ul></body>",
			want: []string{"attrs a"},
			html: "\n  <li id=\"a\" class=\"y\">",
		},
		{
			name: "children are diffed below a changed start tag",
			old:  `<body><ul id="l" class="a"><li id="1">one</li><li id="2">two</li></ul></body>`,
			new:  `<body><ul id="l" class="b"><li id="1">one</li><li id="2">deux</li><li id="3">three</li></ul></body>`,
			want: []string{"attrs l", "text 2", "append l"},
		},
		{
			name: "a checkbox's checked attribute",
			old:  `<body><input type="checkbox" id="c" data-task-id="7"></body>`,
			new:  `<body><input type="checkbox" id="c" checked data-task-id="7"></body>`,
			want: []string{"attrs c"},
		},
		{
			name: "a void element that became another element",
			old:  `<body><p id="p"><input id="v" value="1"></p></body>`,
			new:  `<body><p id="p"><img id="v" src="x.png"></p></body>`,
			want: []string{"attrs v"},
		},
		{
			name: "SVG attributes keep their namespaces",
			old:  `<body><svg><a id="a" xlink:href="#x"><circle r="1"/></a></svg></body>`,
			new:  `<body><svg><a id="a" xlink:href="#y"><circle r="1"/></a></svg></body>`,
			want: []string{"attrs a"},
		},
		{
			name: "a row directly in a table",
			old:  `<body><table><tr id="r" class="up"><td>1</td></tr></table></body>`,
			new:  `<body><table><tr id="r" class="down"><td>1</td></tr></table></body>`,
			want: []string{"attrs r"},
		},
		{
			name: "the body's own attributes",
			old:  `<body class="light"><p id="p">x</p></body>`,
			new:  `<body class="dark"><p id="p">x</p></body>`,
			want: []string{"attrs "},
			html: `<body class="dark">`,
		},
		{
			name: "a script's start tag is a replace",
			old:  `<body><script id="s" data-v="1">var a</script></body>`,
			new:  `<body><script id="s" data-v="2">var a</script></body>`,
			want: []string{"replace s"},
		},
		{
			name: "a textarea's attributes",
			old:  `<body><textarea id="t" rows="1">x</textarea></body>`,
			new:  `<body><textarea id="t" rows="2">x</textarea></body>`,
			want: []string{"attrs t"},
		},
		{
			name: "a start tag whose children weigh more than the fragment is a replace",
			old:  `<body><ul id="l" class="a"><li id="1">a</li><li id="2">b</li><li id="3">c</li><li id="4">d</li><li id="5">e</li><li id="6">f</li></ul></body>`,
			new:  `<body><ul id="l" class="b"><li id="6">f</li><li id="5">e</li><li id="4">d</li><li id="3">c</li><li id="2">b</li><li id="1">a</li></ul></body>`,
			want: []string{"replace l"},
		},
	})
}

const padding = "<p>padding padding padding padding padding padding padding padding</p>"

func TestDiff_ImpliedTbodyEnds(t *testing.T) {
	runExact(t, []exactCase{
		{
			name: "whitespace before a thead that ends an implied tbody is the tbody's, not the thead's lead",
			old:  "<body><table id=\"t\"><tr id=\"r\"><td>1</td></tr><thead id=\"h\" class=\"a\"><tr><th>h</th></tr></thead></table></body>",
			new:  "<body><table id=\"t\"><tr id=\"r\"><td>1</td></tr>\n<thead id=\"h\" class=\"b\"><tr><th>h</th></tr></thead></table></body>",
			want: []string{"replace t"},
		},
		{
			name: "a tbody after an implied one is not a sibling of its rows",
			old:  "<body><table id=\"t\"><tbody id=\"b\"><tr><td>b</td></tr></tbody><tr id=\"r\"><td>1</td></tr></table>" + padding + "</body>",
			new:  "<body><table id=\"t\"><tr id=\"r\"><td>1</td></tr><tbody id=\"b\"><tr><td>b</td></tr></tbody></table>" + padding + "</body>",
			want: []string{"replace t"},
		},
	})
}

func TestState_Format2RecordsDecodeAndMeanAWholeBody(t *testing.T) {
	// A State as format 2 wrote it: hashes as arrays of integers.
	old := struct {
		Format   uint8    `cbor:"0,keyasint"`
		IDs      []string `cbor:"1,keyasint"`
		Parents  []uint32 `cbor:"2,keyasint"`
		Hashes   []uint64 `cbor:"3,keyasint"`
		Anchors  []uint32 `cbor:"4,keyasint"`
		PageHash uint64   `cbor:"5,keyasint"`
	}{2, []string{"", "a"}, []uint32{0, 0}, []uint64{7, 9}, []uint32{0, 3}, 42}
	b, err := cbor.Marshal(old)
	require.NoError(t, err)
	var st State
	require.NoError(t, cbor.Unmarshal(b, &st))
	assert.Equal(t, HashList{7, 9}, st.Hashes)

	page := []byte(`<body><p id="a">x</p></body>`)
	ups, next := mustDiff(t, &st, page)
	assert.Equal(t, []string{"replace "}, summary(ups), "an older format is an unknown page")
	assert.True(t, next.valid())
}

func TestHashList_CBORIsOneByteStringAndRoundTrips(t *testing.T) {
	l := HashList{0, 1, 0xdeadbeefcafef00d}
	b, err := cbor.Marshal(l)
	require.NoError(t, err)
	assert.Equal(t, byte(0x58), b[0], "a byte string with a one-byte length")
	assert.Equal(t, 2+8*len(l), len(b))
	var back HashList
	require.NoError(t, cbor.Unmarshal(b, &back))
	assert.Equal(t, l, back)

	bad, err := cbor.Marshal(bytes.Repeat([]byte{1}, 9))
	require.NoError(t, err)
	assert.Error(t, cbor.Unmarshal(bad, &back), "a length that is not a multiple of 8")
}

// FuzzDomText checks domText against x/net/html's parser: the text of an
// element whose content is any text is the text node it parses to.
func FuzzDomText(f *testing.F) {
	for _, s := range []string{"a &amp; b", "&notit; &amp &AMP; &#x80;&#0;&#xD800;", "a\r\nb\r\x00", "&#13;&NewLine;", "x &lt;b&gt; &#43;1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if strings.ContainsAny(src, "<") || !utf8.ValidString(src) {
			return // text only; the page is UTF-8
		}
		doc, err := html.Parse(strings.NewReader("<!DOCTYPE html><body><p id=\"p\">" + src + "</p>"))
		require.NoError(t, err)
		p := byID(doc, "p")
		require.NotNil(t, p)
		want := ""
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			require.Equal(t, html.TextNode, c.Type)
			want += c.Data
		}
		assert.Equal(t, want, string(domText([]byte(src), false)))
	})
}
