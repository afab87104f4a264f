package truth

import (
	"fmt"
	"html/template"
	"strings"
	"testing"

	"github.com/livefir/statetemplate/internal/markup"
)

// The constructs the cases cover, as the report names them.
const (
	cForms      = "form controls"
	cSelect     = "select"
	cTable      = "tables"
	cImplied    = "implied end tags"
	cSVG        = "SVG"
	cMathML     = "MathML"
	cForeignObj = "foreignObject"
	cTemplate   = "template"
	cNoscript   = "noscript"
	cNewline    = "pre/textarea leading newline"
	cInlineWS   = "inline whitespace"
	cComments   = "comments"
	cEntities   = "character references"
	cKeyed      = "keyed lists"
	cBody       = "body replace"
	cMalformed  = "malformed markup"
	cInPlace    = "text and attrs updates"
	cSplices    = "texts sent as splices"
)

func cover(c ...string) []string { return c }

// implicitBody is a page template without a <body> tag.
const implicitBody = "<!DOCTYPE html><html><head><title>t</title></head>{{.Body}}"

// pad is an unchanging fragment that makes the body costlier to replace
// than most fragment updates, so the cases exercise fragment actions.
var pad = `<p id="pad">` + strings.Repeat("padding ", 80) + `</p>`

// padded is pages with pad after each body, and heavy content where a
// body says {H} (HTML), {S} (SVG) or {O} (an option): big unchanging
// fragments that make replacing what holds them costly, so that the
// changes beside them go as fragment actions. The n-th placeholder of
// each body gets the same id.
func padded(name string, covers []string, bodies ...string) Case {
	heavy := strings.Repeat("heavy ", 60)
	for i, b := range bodies {
		n := 0
		for _, ph := range []struct{ mark, open, close string }{
			{"{H}", `<span id="hvy%d">`, "</span>"},
			{"{S}", `<text id="hvy%d">`, "</text>"},
			{"{O}", `<option id="hvy%d">`, "</option>"},
		} {
			for strings.Contains(b, ph.mark) {
				n++
				b = strings.Replace(b, ph.mark, fmt.Sprintf(ph.open, n)+heavy+ph.close, 1)
			}
		}
		bodies[i] = b + pad
	}
	return pages(name, covers, bodies...)
}

func handCases() []Case {
	return []Case{
		padded("inputs of every type", cover(cForms),
			`<form id="f"><input id="t" type="text" value="a"> <input id="c" type="checkbox"> <input id="r1" type="radio" name="r" value="1" checked> <input id="r2" type="radio" name="r" value="2"> <input id="s" type="submit" value="Save"> <input id="rs" type="reset"> <input id="h" type="hidden" value="h"> <input id="i" type="image" alt="go"> <input id="b" type="button" value="B"> <input id="n" type="number" value="3"> <input id="rg" type="range" value="7"> <input id="co" type="color" value="#ff0000"> <input id="d" type="date" value="2026-01-02"> <input id="e" type="email" value="a@b.c"> <input id="pw" type="password" value="x"> <input id="fi" type="file"><p id="note">one</p>{H}</form>`,
			`<form id="f"><input id="t" type="text" value="a"> <input id="c" type="checkbox"> <input id="r1" type="radio" name="r" value="1" checked> <input id="r2" type="radio" name="r" value="2"> <input id="s" type="submit" value="Save"> <input id="rs" type="reset"> <input id="h" type="hidden" value="h"> <input id="i" type="image" alt="go"> <input id="b" type="button" value="B"> <input id="n" type="number" value="3"> <input id="rg" type="range" value="7"> <input id="co" type="color" value="#ff0000"> <input id="d" type="date" value="2026-01-02"> <input id="e" type="email" value="a@b.c"> <input id="pw" type="password" value="x"> <input id="fi" type="file"><p id="note">two</p>{H}</form>`,
			`<form id="f"><input id="t" type="text" value="b"> <input id="c" type="checkbox" checked> <input id="r1" type="radio" name="r" value="1"> <input id="r2" type="radio" name="r" value="2" checked> <input id="s" type="submit" value="Send"> <input id="rs" type="reset" value="Clear"> <input id="h" type="hidden" value="i"> <input id="i" type="image" alt="go!"> <input id="b" type="button" value="C"> <input id="n" type="number" value="4"> <input id="rg" type="range" value="9"> <input id="co" type="color" value="#00ff00"> <input id="d" type="date" value="2026-02-03"> <input id="e" type="email"> <input id="pw" type="password" value="y"> <input id="fi" type="file" multiple><p id="note">two</p>{H}</form>`,
		),
		pages("form replaced whole, unrelated change", cover(cForms),
			`<form id="f"><input type="submit" value="Save"><input type="checkbox"><input type="radio" name="q"><input type="hidden" value="k"><p>1</p></form>`,
			`<form id="f"><input type="submit" value="Save"><input type="checkbox"><input type="radio" name="q"><input type="hidden" value="k"><p>2</p></form>`,
		),
		padded("textarea content", cover(cForms, cNewline),
			`<div id="w">{H}<textarea id="ta"></textarea><span>1</span></div>`,
			`<div id="w">{H}<textarea id="ta">hello</textarea><span>1</span></div>`,
			`<div id="w">{H}<textarea id="ta">
hello</textarea><span>2</span></div>`,
			`<div id="w">{H}<textarea id="ta">

two lines</textarea><span>2</span></div>`,
			`<div id="w">{H}<textarea id="ta"></textarea><span>3</span></div>`,
		),
		padded("select with a new selected option", cover(cForms, cSelect),
			`<div id="w">{H}<select id="s"><option>a</option><option selected>b</option></select><i>1</i></div>`,
			`<div id="w">{H}<select id="s"><option>a</option><option>b</option><option selected>c</option></select><i>1</i></div>`,
			`<div id="w">{H}<select id="s"><option>a</option><option>b</option><option>c</option></select><i>2</i></div>`,
		),
		padded("select multiple", cover(cForms, cSelect),
			`<div id="w">{H}<select id="s" multiple><option selected>a</option><option>b</option><option>c</option></select><i>1</i></div>`,
			`<div id="w">{H}<select id="s" multiple><option selected>a</option><option selected>b</option><option selected>c</option></select><i>2</i></div>`,
			`<div id="w">{H}<select id="s" multiple><option>a</option><option selected>b</option><optgroup label="g"><option selected>d</option></optgroup></select><i>3</i></div>`,
		),
		padded("select without selected, new first option by id", cover(cForms, cSelect, cKeyed),
			`<select id="s">{O}<option id="o2">b</option><option id="o3">c</option></select>`,
			`<select id="s">{O}<option id="o1">a</option><option id="o2">b</option><option id="o3">c</option></select>`,
			`<select id="s">{O}<option id="o2">b</option><option id="o3">c</option></select>`,
			`<select id="s">{O}<option id="o2">b</option><option id="o3" selected>c</option><option id="o4">d</option></select>`,
			`<select id="s" size="3">{O}<option id="o2">b</option><option id="o4">d</option></select>`,
		),
		padded("template content", cover(cTemplate),
			`<div id="w">{H}<template id="tp"><p>one</p><b id="x">1</b></template><i>1</i></div>`,
			`<div id="w">{H}<template id="tp"><p>two</p><b id="x">2</b></template><i>1</i></div>`,
			`<div id="w">{H}<template id="tp"><p>two</p><b id="x">2</b></template><i>2</i></div>`,
		),
		padded("svg replaced by id", cover(cSVG),
			`<svg id="s" width="100" height="100">{S}<circle id="c" cx="50" cy="50" r="10"/><g id="g">{S}<rect width="5" height="5"/><rect x="10" width="5" height="5"/></g></svg>`,
			`<svg id="s" width="100" height="100">{S}<circle id="c" cx="50" cy="50" r="20"/><g id="g">{S}<rect width="6" height="5"/><rect x="10" width="5" height="5"/></g></svg>`,
			`<svg id="s" width="100" height="100">{S}<circle id="c" cx="50" cy="50" r="20"/><circle id="c2" r="1"/><g id="g">{S}<rect id="r" width="6" height="5"/><path d="M0 0L1 1"/></g><linearGradient id="lg"><stop offset="0"/></linearGradient></svg>`,
			`<svg id="s" width="100" height="100">{S}<circle id="c2" r="2"/><circle id="c" cx="50" cy="50" r="20"/><g id="g">{S}<rect id="r" width="7" height="5"/><path d="M0 0L1 1"/></g><linearGradient id="lg"><stop offset="1"/></linearGradient></svg>`,
		),
		padded("svg use with xlink:href", cover(cSVG),
			`<svg id="s">{S}<defs><circle id="dot" r="3"/></defs><use id="u" xlink:href="#dot" x="1"/></svg>`,
			`<svg id="s">{S}<defs><circle id="dot" r="3"/></defs><use id="u" xlink:href="#dot" x="2"/></svg>`,
			`<svg id="s">{S}<defs><circle id="dot" r="3"/><rect id="sq" width="2" height="2"/></defs><use id="u" xlink:href="#sq" x="2"/></svg>`,
			`<svg id="s">{S}<defs><circle id="dot" r="3"/><rect id="sq" width="2" height="2"/></defs><use id="u" x="2"/></svg>`,
		),
		padded("svg '/ >' keeps children inside", cover(cSVG),
			`<svg id="s">{S}<g id="g" / ><circle r="1"/><circle r="2"/></g></svg>`,
			`<svg id="s">{S}<g id="g" / ><circle r="1"/><circle r="3"/></g></svg>`,
			`<svg id="s">{S}<g id="g" / ><circle id="c1" r="1"/><circle id="c2" r="3"/></g></svg>`,
			`<svg id="s">{S}<g id="g" / ><circle id="c1" r="1"/><circle id="c3" r="4" / ><circle id="c2" r="3"/></g></svg>`,
		),
		padded("mathml", cover(cMathML),
			`<math id="m"><mtext>{H}</mtext><mi id="x">x</mi><mo>+</mo><mn id="n">1</mn><annotation-xml encoding="text/html">{H}<b id="h">h</b></annotation-xml></math>`,
			`<math id="m"><mtext>{H}</mtext><mi id="x">y</mi><mo>+</mo><mn id="n">2</mn><annotation-xml encoding="text/html">{H}<b id="h">i</b></annotation-xml></math>`,
			`<math id="m"><mtext>{H}</mtext><mi id="x">y</mi><mo>+</mo><mn id="n">2</mn><annotation-xml encoding="text/html">{H}<i id="i">j</i><b id="h">i</b></annotation-xml><annotation-xml id="ax"><mi id="inner">z</mi></annotation-xml></math>`,
			`<math id="m"><mtext>{H}</mtext><mi id="x">y</mi><mo>+</mo><mn id="n">2</mn><annotation-xml encoding="text/html">{H}<i id="i">j</i><b id="h">i</b></annotation-xml><annotation-xml id="ax"><mi id="inner">w</mi></annotation-xml></math>`,
		),
		padded("foreignObject", cover(cSVG, cForeignObj),
			`<svg id="s">{S}<foreignObject id="fo" width="100" height="50">{H}<div id="d">a</div><textarea id="t"> </textarea><p id="p">x</p></foreignObject></svg>`,
			`<svg id="s">{S}<foreignObject id="fo" width="100" height="50">{H}<div id="d">b</div><textarea id="t">  </textarea><p id="p">x</p></foreignObject></svg>`,
			`<svg id="s">{S}<foreignObject id="fo" width="100" height="50">{H}<div id="d">b</div><textarea id="t">  </textarea><p id="p">y</p><svg id="inner"><circle r="1"/></svg></foreignObject></svg>`,
			`<svg id="s">{S}<foreignObject id="fo" width="100" height="50">{H}<div id="d">b</div><textarea id="t">  </textarea><p id="p">y</p><svg id="inner"><circle r="2"/></svg></foreignObject></svg>`,
		),
		pages("noscript after body replace", cover(cNoscript, cBody),
			`<noscript><p>enable scripts</p></noscript><p>1</p>`,
			`<noscript><p>enable scripts</p></noscript><p>2</p>`,
		),
		padded("noscript in a fragment", cover(cNoscript),
			`<div id="w">{H}<noscript><b>no</b></noscript>1</div>`,
			`<div id="w">{H}<noscript><b>no</b></noscript>2</div>`,
		),
		padded("table without tbody", cover(cTable, cKeyed),
			"<table id=\"t\">\n  <tr id=\"r1\"><td>1</td></tr>\n  <tr id=\"r3\"><td>3</td></tr>\n  <tr><td>{H}</td></tr>\n</table>",
			"<table id=\"t\">\n  <tr id=\"r1\"><td>1</td></tr>\n  <tr id=\"r2\"><td>2</td></tr>\n  <tr id=\"r3\"><td>3</td></tr>\n  <tr><td>{H}</td></tr>\n</table>",
			"<table id=\"t\">\n  <tr id=\"r0\"><td>0</td></tr>\n  <tr id=\"r1\"><td>1</td></tr>\n  <tr id=\"r2\"><td>2!</td></tr>\n  <tr id=\"r3\"><td>3</td></tr>\n  <tr><td>{H}</td></tr>\n</table>",
			"<table id=\"t\">\n  <tr id=\"r3\"><td>3</td></tr>\n  <tr id=\"r1\"><td>1</td></tr>\n  <tr><td>{H}</td></tr>\n</table>",
			"<table id=\"t\">\n  <tr><td>{H}</td></tr>\n</table>",
			"<table id=\"t\">\n  <tr id=\"r9\"><td>9</td></tr>\n  <tr><td>{H}</td></tr>\n</table>",
			"<table id=\"t\">\n</table>",
		),
		padded("table with thead and tbody", cover(cTable, cKeyed),
			`<table id="t"><thead><tr><th>{H}</th></tr></thead><tbody id="b"><tr id="r1"><td>1</td></tr></tbody></table>`,
			`<table id="t"><thead><tr><th>{H}</th></tr></thead><tbody id="b"><tr id="r1"><td>1</td></tr><tr id="r2"><td>2</td></tr></tbody></table>`,
			`<table id="t"><thead><tr><th>{H}</th></tr></thead><tbody id="b"><tr id="r0"><td>0</td></tr><tr id="r2"><td>2</td></tr></tbody><tfoot id="f"><tr><td>f</td></tr></tfoot></table>`,
			`<table id="t"><caption>c</caption><thead><tr><th>{H}</th></tr></thead><tbody id="b"><tr id="r2"><td>2</td></tr></tbody></table>`,
		),
		pages("implied end tags", cover(cImplied, cMalformed),
			`<p>one<p>two<ul><li>a<li>b</ul><div id="d">x</div>`,
			`<p>one<p>three<ul><li>a<li>b<li>c</ul><div id="d">y</div>`,
		),
		pages("misnested formatting clones an id", cover(cMalformed),
			`<b id="x">bold<p>para</b>tail</p><div id="z">1</div>`,
			`<b id="x">bold<p>para</b>tail2</p><div id="z">2</div>`,
		),
		pages("a new page whose parser clones an id", cover(cMalformed),
			`<mo></mo><annotation-xml><i id="n9"></annotation-xml>`,
			`<annotation-xml><i id="n9"></annotation-xml><mo></mo>`),
		padded("pre leading newline", cover(cNewline),
			"<pre id=\"p\">\n<b id=\"b\">x</b>{H}</pre>",
			"<pre id=\"p\">\n<i id=\"i\">y</i><b id=\"b\">x</b>{H}</pre>",
			"<pre id=\"p\">\n\n<i id=\"i\">y</i>\n<b id=\"b\">x</b>{H}</pre>",
			"<pre id=\"p\">\n\n<i id=\"i\">y</i>\n  <b id=\"b\">x</b>{H}</pre>",
			"<pre id=\"p\">\n\nz<b id=\"b\">x</b>{H}</pre>",
		),
		padded("inline whitespace between keyed siblings", cover(cInlineWS, cKeyed),
			`<p id="p">{H}<span id="a">one</span> <span id="c">three</span></p>`,
			`<p id="p">{H}<span id="a">one</span> <b id="b">two</b> <span id="c">three</span></p>`,
			`<p id="p">{H}<span id="a">one</span> <b id="b">two</b>  <span id="c">three</span></p>`,
			`<p id="p">{H}<b id="b">two</b> <span id="a">one</span>  <span id="c">three</span></p>`,
			`<p id="p">{H}zero <b id="b">two</b>  <span id="c">three</span> four</p>`,
			`<p id="p">{H}zero <span id="c">three</span> four</p>`,
		),
		padded("comments and entities", cover(cComments, cEntities),
			`<div id="w">{H}a &amp; b<!-- c --><i id="i">&lt;x&gt;</i>&#32;<b id="b">&nbsp;</b></div>`,
			`<div id="w">{H}a &amp; b<!-- c --><i id="i">&lt;y&gt;</i>&#32;<u id="u">u</u><b id="b">&nbsp;</b></div>`,
			`<div id="w">{H}a &amp; b<!-- d --><i id="i">&lt;y&gt;</i>&#32;&#x20;<b id="b">&nbsp;</b></div>`,
		),
		func() Case {
			list := func(ids ...int) string {
				var b strings.Builder
				b.WriteString("<ul id=\"l\">\n")
				for _, id := range ids {
					fmt.Fprintf(&b, "  <li id=\"i%d\">item %d <input id=\"in%d\" value=\"%d\"> %s</li>\n", id, id, id, id, strings.Repeat("wide ", 30))
				}
				b.WriteString("</ul>")
				return b.String()
			}
			return padded("keyed list: many inserts, removes and moves at once", cover(cKeyed),
				list(1, 2, 3, 4, 5, 6, 7, 8),
				list(8, 1, 3, 9, 10, 4, 2, 5, 6),
				list(10, 9, 8, 7),
				list(),
				list(3, 1, 2),
				list(1, 2, 3, 11, 12, 13, 14, 15, 16, 17, 18),
			)
		}(),
		{
			Name:   "a template with range and if",
			Covers: cover(cKeyed, cForms),
			Tmpl: `<!DOCTYPE html>
<html>
<head><title>list</title></head>
<body>
  <h1 id="title">{{.Text}}</h1>
  <ul id="list">
    {{range .Items}}
    {{if .On}}
    <li id="item-{{.ID}}"><label><input type="checkbox" checked> {{.Name}}</label></li>
    {{else}}
    <li id="item-{{.ID}}"><label><input type="checkbox"> {{.Name}}</label></li>
    {{end}}
    {{end}}
  </ul>
  <p id="count">{{len .Items}} items</p>
  <p id="help">Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. Help text. </p>
</body>
</html>
`,
			Steps: []Data{
				{Text: "Tasks", Items: []Item{{1, "a", false}, {2, "b", true}}},
				{Text: "Tasks", Items: []Item{{1, "a", true}, {2, "b", true}, {3, "c", false}}},
				{Text: "Tasks!", Items: []Item{{3, "c", false}, {1, "a", true}}},
				{Text: "Tasks!", Items: nil},
				{Text: "Tasks!", Items: []Item{{4, "d", false}}},
				{Text: "Tasks!", Items: []Item{{4, "d", false}, {5, "e", true}, {6, "f", false}}},
				{Text: "Tasks!", Items: []Item{{6, "f", true}, {4, "d", false}, {5, "e", true}}},
			},
		},
		func() Case {
			// The ticker's board: rows of a range with whitespace after each,
			// cells with ids, rows changed side by side and then one alone —
			// the incremental renderer patches the changed cells (a patched
			// row after a patched row once lost its lead).
			row := func(id int, name string, on bool) Item { return Item{id, name, on} }
			board := func(items ...Item) Data { return Data{Text: "board", Items: items} }
			return Case{
				Name:   "a table's rows patched side by side, then one",
				Covers: cover(cTable, cKeyed, cInlineWS),
				Tmpl: `<!DOCTYPE html>
<html><head><title>board</title></head>
<body>
  <table>
    <thead><tr><th>Symbol</th><th>Price</th><th></th></tr></thead>
    <tbody id="board">
      {{range .Items}}<tr id="q-{{.ID}}"><td>S{{.ID}}</td><td id="p-{{.ID}}" class="{{if .On}}up{{else}}down{{end}}">{{.Name}}</td><td id="b-{{.ID}}">{{if not .On}}<button data-action="watch">Watch</button>{{end}}</td></tr>
      {{end}}
    </tbody>
  </table>
  <p id="help">` + strings.Repeat("Prices move every second. ", 40) + `</p>
</body>
</html>
`,
				Steps: []Data{
					board(row(1, "1.00", false), row(2, "2.00", false), row(3, "3.00", false), row(4, "4.00", false), row(5, "5.00", false)),
					board(row(1, "1.00", false), row(2, "2.10", false), row(3, "3.10", false), row(4, "4.00", false), row(5, "5.00", false)),
					board(row(1, "1.00", false), row(2, "2.10", false), row(3, "3.20", false), row(4, "4.00", false), row(5, "5.00", false)),
					board(row(1, "1.10", true), row(2, "2.20", true), row(3, "3.20", false), row(4, "4.00", false), row(5, "5.00", false)),
					board(row(1, "1.10", true), row(2, "2.30", true), row(3, "3.20", false), row(4, "4.00", false), row(5, "5.10", false)),
					board(row(1, "1.10", true), row(2, "2.30", true), row(4, "4.10", false), row(5, "5.10", false)),
					board(row(1, "1.10", true), row(2, "2.30", true), row(6, "6.00", false), row(4, "4.20", false), row(5, "5.20", true)),
				},
			}
		}(),
		padded("text: content set as text", cover(cInPlace, cEntities),
			`<span id="c">1</span><div id="d"><b>bold</b> and <i id="i">it</i></div>{H}`,
			`<span id="c">2</span><div id="d"><b>bold</b> and <i id="i">it</i></div>{H}`,
			`<span id="c">a &amp; b &lt;c&gt; &#39;q&#39; &amp</span><div id="d">plain now</div>{H}`,
			`<span id="c"></span><div id="d">x&nbsp;y &#x1F600; &NewLine;z</div>{H}`,
			`<span id="c">3</span><div id="d"><b>back</b></div>{H}`,
		),
		padded("text: changed again and again, sent by what changed in it", cover(cInPlace, cSplices, cEntities, cSelect, cForms),
			`<h2 id="h">Tasks (50 total)</h2><p id="e">😀 one</p><select id="s"><option id="o" selected>label 1</option></select><textarea id="ta">line 1</textarea>{H}`,
			`<h2 id="h">Tasks (49 total)</h2><p id="e">😀 two</p><select id="s"><option id="o" selected>label 2</option></select><textarea id="ta">line 2</textarea>{H}`,
			`<h2 id="h">Tasks (149 total)</h2><p id="e">😃 two</p><select id="s"><option id="o" selected>label 22</option></select><textarea id="ta">line 22</textarea>{H}`,
			`<h2 id="h">Tasks (9 total) &amp; &lt;more&gt;</h2><p id="e">😃😀 two</p><select id="s"><option id="o" selected>label</option></select><textarea id="ta">line</textarea>{H}`,
			`<h2 id="h">Tasks (9 total)</h2><p id="e">two</p><select id="s"><option id="o" selected>label 3</option></select><textarea id="ta">line 3</textarea>{H}`,
			`<h2 id="h">Tasks (9 total)!</h2><p id="e"></p><select id="s"><option id="o" selected>label 33</option></select><textarea id="ta">
line 3</textarea>{H}`,
			`<h2 id="h">Tasks (8 total)!</h2><p id="e">back</p><select id="s"><option id="o" selected>label 3</option></select><textarea id="ta">line 34</textarea>{H}`,
		),
		// The history is a replace of over 128 bytes: the batch is compressed,
		// and the clock's text, in its last bytes, goes as a splice by
		// reference (live's compressTail).
		padded("text: the tail of a compressed batch sent by what changed in it", cover(cInPlace, cSplices),
			`<span id="n">3</span><ul id="history"><li>increment at 9:27:21 AM (3)</li><li>increment at 9:27:14 AM (2)</li><li>increment at 9:27:07 AM (1)</li></ul><p id="clock">9:27:21 AM</p>{H}`,
			`<span id="n">4</span><ul id="history"><li>increment at 9:28:03 AM (4)</li><li>increment at 9:27:21 AM (3)</li><li>increment at 9:27:14 AM (2)</li><li>increment at 9:27:07 AM (1)</li></ul><p id="clock">9:28:03 AM</p>{H}`,
			`<span id="n">5</span><ul id="history"><li>increment at 9:28:10 AM (5)</li><li>increment at 9:28:03 AM (4)</li><li>increment at 9:27:21 AM (3)</li><li>increment at 9:27:14 AM (2)</li><li>increment at 9:27:07 AM (1)</li></ul><p id="clock">9:28:10 AM</p>{H}`,
			`<span id="n">6</span><ul id="history"><li>increment at 9:29:59 AM (6)</li><li>increment at 9:28:10 AM (5)</li><li>increment at 9:28:03 AM (4)</li><li>increment at 9:27:21 AM (3)</li><li>increment at 9:27:14 AM (2)</li><li>increment at 9:27:07 AM (1)</li></ul><p id="clock">9:29:59 AM</p>{H}`,
		),
		// Uncompressed batches (under 128 bytes): from its second replace,
		// a cell goes as a splice of the html its last replace gave it.
		padded("replace: cells sent by what changed in their html", cover(cSplices, cTable),
			`<table><tbody><tr><td id="p1" class="up">485.31</td><td id="p2" class="up">70.69</td></tr></tbody></table>{H}`,
			`<table><tbody><tr><td id="p1" class="down">484.99</td><td id="p2" class="up">70.69</td></tr></tbody></table>{H}`,
			`<table><tbody><tr><td id="p1" class="up">485.00 😀</td><td id="p2" class="down">70.50</td></tr></tbody></table>{H}`,
			`<table><tbody><tr><td id="p1" class="down" title="x">484.00 😀</td><td id="p2" class="up">71.00 <b>&amp;</b></td></tr></tbody></table>{H}`,
			`<table><tbody><tr><td id="p1" class="up">4.00</td><td id="p2" class="down">7.00</td></tr></tbody></table>{H}`,
		),
		padded("text: an option's label and SVG text", cover(cInPlace, cSelect, cSVG),
			`<select id="s"><option id="o1" value="1">one</option><option id="o2" selected>two</option></select><svg id="g">{S}<text id="t" x="1">1</text></svg>`,
			`<select id="s"><option id="o1" value="1">uno</option><option id="o2" selected>dos</option></select><svg id="g">{S}<text id="t" x="1">2 &amp; 3</text></svg>`,
		),
		padded("attrs: classes, boolean attributes and form controls", cover(cInPlace, cForms),
			`<button id="b" class="x" disabled>Go</button> <input id="cb" type="checkbox"> <input id="v" value="1"> <textarea id="ta" rows="1">keep</textarea><details id="dt"><summary>s</summary>x</details>{H}`,
			`<button id="b" class="y">Go</button> <input id="cb" type="checkbox" checked> <input id="v" value="2"> <textarea id="ta" rows="2">keep</textarea><details id="dt" open><summary>s</summary>x</details>{H}`,
			`<button id="b" class="y" disabled>Go</button> <input id="cb" type="checkbox"> <input id="v"> <textarea id="ta">keep</textarea><details id="dt"><summary>s</summary>x</details>{H}`,
		),
		padded("attrs: a void element that became another", cover(cInPlace, cForms),
			`<p id="p">{H}<input id="v" value="1"></p>`,
			`<p id="p">{H}<img id="v" alt="x"></p>`,
			`<p id="p">{H}<br id="v" class="c"></p>`,
		),
		padded("attrs: a select's size and multiple change its selection", cover(cInPlace, cSelect),
			`<select id="s">{O}<option>a</option></select>`,
			`<select id="s" size="3">{O}<option>a</option></select>`,
			`<select id="s">{O}<option>a</option></select>`,
			`<select id="s" multiple>{O}<option selected>a</option></select>`,
		),
		padded("attrs: a lead that changed goes with the start tag", cover(cInPlace, cInlineWS, cKeyed),
			"<ul id=\"l\">\n  <li id=\"a\">{H}</li> <li id=\"b\" class=\"x\">{H}</li>\n</ul>",
			"<ul id=\"l\">\n  <li id=\"a\">{H}</li>\n\t<li id=\"b\" class=\"x\">{H}</li>\n</ul>",
			"<ul id=\"l\">\n  <li id=\"a\">{H}</li><li id=\"b\" class=\"y\">{H}</li>\n</ul>",
		),
		{Name: "attrs: the body's own attributes", Covers: cover(cInPlace, cBody),
			Tmpl:  `<!DOCTYPE html><html><head><title>t</title></head><body class="{{.Text}}" data-n="{{.N}}">{{.Body}}</body></html>`,
			Steps: []Data{{Text: "light", Body: `<p id="p">` + template.HTML(strings.Repeat("x ", 200)) + `</p>`}, {Text: "dark", N: 2, Body: `<p id="p">` + template.HTML(strings.Repeat("x ", 200)) + `</p>`}}},
		// Found by the random runs, kept as regressions.
		{Name: "whitespace references after </head> stay out of the implied body", Covers: cover(cEntities, cBody),
			Tmpl: implicitBody, Steps: []Data{{Body: ""}, {Body: "&#x20;&#9;"}, {Body: "&#x20;&#9;x"}}},
		{Name: "<noscript> after </head> is body content", Covers: cover(cNoscript, cBody),
			Tmpl: implicitBody, Steps: []Data{{Body: `<noscript id="n"></noscript>`}, {Body: `<noscript id="n"></noscript>x`}}},
		{Name: "a <style> the parser put into the head moves into the body", Covers: cover(cBody),
			Tmpl: implicitBody, Steps: []Data{{Body: `<style id="s"></style><p id="p"></p>`},
				{Body: `<p id="p"></p><style id="s"></style>`}, {Body: `<p id="p"></p><style id="s">x</style>`}}},
		{Name: "an empty script filled by an update does not run", Covers: cover(cBody),
			Tmpl: `<!DOCTYPE html><html><head><title>t</title></head><body class="b{{len .Body}}">{{.Body}}</body></html>`,
			Steps: []Data{{Body: `<script id="n2"></script>`}, {Body: `<script id="n2">throw new Error("ran")</script>`},
				{Body: `<script id="n2" src="data:text/javascript,throw new Error('ran')">throw new Error("ran")</script>`}}},
		pages("removing the first child of a pre exposes a newline", cover(cNewline),
			"<pre><img id=\"i\">\n  </pre>", "<pre>\n  </pre>"),
		pages("appending to a listing before its dropped newline", cover(cNewline, cEntities),
			`<listing id="l">&#10;</listing>`, `<listing id="l"><span id="s"></span>&#10;</listing>`),
		pages("body without id'd elements", cover(cBody),
			`<p>1</p>`,
			`<p>2</p><p>3</p>`,
		),
	}
}

func TestTruth_HandWrittenCases(t *testing.T) {
	st := newStats()
	r := newRunner(t, st)
	for _, c := range handCases() {
		d := r.run(c)
		if d == nil {
			continue
		}
		if c.isPages() {
			small, sd, checks := r.shrink(c.Name, c.Tmpl, markup.ParseSteps(c.bodies()), d)
			t.Errorf("%s: %s\n%s", c.Name, d, reproducer(c.Tmpl, small, sd, checks))
			continue
		}
		t.Errorf("%s: %s", c.Name, d)
	}
	t.Log(st)
}
