package truth

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// model is what an element's children may be, so that generated markup
// is mostly what a template author writes (well-formed pages get
// fragment updates) and sometimes not (malformed ones get body replaces).
type model int

const (
	mFlow model = iota
	mPhrasing
	mList   // li
	mDL     // dt, dd
	mTable  // rows (an implied tbody), tbody, caption
	mTbody  // tr
	mRow    // td, th
	mSelect // option, optgroup
	mOptgroup
	mText // text only: option, textarea, title
	mSVG
	mSVGText
	mMath
	mMathText
	mVoid
)

// gen generates random pages and edits them, from a seed.
type gen struct {
	r    *rand.Rand
	uids int
	// odd allows markup browsers do not nest as written.
	odd bool
	// open counts the open elements that may not nest in themselves.
	open map[string]int
}

func newGen(seed uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), open: map[string]int{}}
}

func (g *gen) n(k int) int { return g.r.IntN(k) }

func (g *gen) pick(s []string) string { return s[g.n(len(s))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

var (
	texts = []string{"a", "hello world", " ", "  ", "\n  ", "\n", "\t", "  spaced  ", "x &amp; y", "&lt;b&gt;",
		"&#32;", "&#x20;&#9;", "&nbsp;", "é ✓", "tail ", " lead", "\r\n", "&NewLine;", "1 &lt; 2", "&amp"}
	classes   = []string{`class="a"`, `class="b c"`, `title="x > y"`, `data-x='1'`, `hidden`, `lang=en`, `dir="rtl"`,
		`style="color: red"`, `title="a &amp; b"`, `data-y="&quot;"`}
	inputType = []string{"text", "checkbox", "radio", "submit", "reset", "hidden", "image", "button", "number", "range",
		"color", "date", "email", "password", "search", "file", ""}
	flowTags = []string{"div", "div", "section", "p", "ul", "ol", "dl", "table", "pre", "form", "details", "template",
		"noscript", "h2", "blockquote", "select", "textarea", "svg", "math", "listing", "my-el", "style", "script", "iframe"}
	phrasingTags = []string{"span", "b", "i", "em", "a", "label", "button", "code", "input", "input", "br", "img",
		"select", "textarea", "svg", "math", "my-el", "wbr"}
	// rawText is the content of elements whose text the parser does not
	// read as markup; scripts are inert so that both tabs run them alike.
	rawText = []string{"", "a < b", "\n  x\n", "</p>", "/* <b> */", " "}
)

// pageTemplates are the pages random bodies are put in: whitespace after
// </body> and </html>, no <body> tag, and a body attribute that changes
// every step (a body replace each time).
var pageTemplates = []string{
	bodyPage,
	"<!DOCTYPE html>\n<html>\n<head><title>t</title></head>\n<body>\n{{.Body}}\n</body>\n</html>\n",
	"<!DOCTYPE html><html><head><title>t</title></head>{{.Body}}",
	`<!DOCTYPE html><html><head><title>t</title></head><body class="b{{len .Body}}">{{.Body}}</body></html>`,
}

func (g *gen) uid() int {
	g.uids++
	return g.uids
}

// page returns a random body.
func (g *gen) page() *node {
	root := &node{tag: "body", model: mFlow, uid: g.uid()}
	for range 1 + g.n(4) {
		k := g.child(mFlow, 0)
		k.id = k.tag[0] != '#' // as templates do: id'd sections
		root.kids = append(root.kids, k)
	}
	// A heavy fragment makes a body replace the costliest update.
	root.kids = append(root.kids, &node{uid: g.uid(), tag: "p", id: true, end: "</p>", model: mPhrasing,
		kids: []*node{{uid: g.uid(), tag: "#text", text: strings.Repeat("padding ", 100)}}})
	return root
}

// child returns a random node that may sit in a parent of model m.
func (g *gen) child(m model, depth int) *node {
	deep := depth > 4
	switch m {
	case mText:
		return g.text(false)
	case mList:
		if g.chance(0.3) {
			return g.text(true)
		}
		return g.element("li", depth)
	case mDL:
		if g.chance(0.3) {
			return g.text(true)
		}
		return g.element(g.pick([]string{"dt", "dd"}), depth)
	case mTable:
		if g.chance(0.3) {
			return g.text(true)
		}
		return g.element(g.pick([]string{"tr", "tr", "tbody", "thead"}), depth)
	case mTbody:
		if g.chance(0.3) {
			return g.text(true)
		}
		return g.element("tr", depth)
	case mRow:
		if g.chance(0.2) {
			return g.text(true)
		}
		return g.element(g.pick([]string{"td", "th"}), depth)
	case mSelect, mOptgroup:
		if g.chance(0.2) {
			return g.text(true)
		}
		if m == mSelect && g.chance(0.2) {
			return g.element("optgroup", depth)
		}
		return g.element("option", depth)
	case mSVG:
		if g.chance(0.25) || deep {
			return g.text(true)
		}
		return g.element(g.pick([]string{"g", "circle", "rect", "text", "foreignObject", "use", "path", "desc"}), depth)
	case mSVGText:
		if g.chance(0.6) || deep {
			return g.text(false)
		}
		return g.element("tspan", depth)
	case mMath:
		if g.chance(0.2) || deep {
			return g.text(true)
		}
		return g.element(g.pick([]string{"mi", "mo", "mn", "mrow", "annotation-xml"}), depth)
	case mMathText:
		return g.text(false)
	}
	switch k := g.n(12); {
	case k < 3 || deep:
		return g.text(false)
	case k == 11:
		// Heavy and stable: replacing what holds it costs more than
		// updating beside it, so fragment actions get exercised.
		return &node{uid: g.uid(), tag: "span", id: true, end: "</span>", model: mPhrasing,
			kids: []*node{{uid: g.uid(), tag: "#text", text: strings.Repeat("heavy ", 40)}}}
	case k == 3:
		if g.odd && g.chance(0.2) {
			return &node{uid: g.uid(), tag: "#text", text: g.pick([]string{"</>", "<!DOCTYPE html>", "</ x>", "<?pi?>"})}
		}
		return &node{uid: g.uid(), tag: "#comment", text: g.pick([]string{" c ", "", "x-y", "-", " <b> "})}
	case m == mPhrasing:
		return g.element(g.tag(phrasingTags), depth)
	default:
		return g.element(g.tag(flowTags), depth)
	}
}

// tag picks a tag that may open here: the parser closes an open a,
// button or form before another, and <noscript> content is text.
func (g *gen) tag(from []string) string {
	for {
		t := g.pick(from)
		switch t {
		case "a", "button", "form", "noscript":
			if g.open[t] > 0 && !g.odd {
				continue
			}
		}
		if g.open["noscript"] > 0 && (t == "template" || t == "textarea") && !g.odd {
			continue
		}
		return t
	}
}

func (g *gen) text(blank bool) *node {
	t := g.pick(texts)
	if blank {
		t = g.pick([]string{" ", "\n  ", "\n", "  \n    "})
	}
	return &node{uid: g.uid(), tag: "#text", text: t}
}

// element returns a random element named tag with children.
func (g *gen) element(tag string, depth int) *node {
	n := &node{uid: g.uid(), tag: tag, end: "</" + tag + ">", id: g.chance(0.6)}
	if g.chance(0.3) {
		n.attrs = append(n.attrs, g.attr())
	}
	switch tag {
	case "input":
		n.model, n.end = mVoid, ""
		if t := g.pick(inputType); t != "" {
			n.attrs = append(n.attrs, attr{"type", t})
		}
		g.formAttrs(n)
		return n
	case "style", "script", "iframe":
		n.model = mText
		if tag == "script" {
			n.attrs = append(n.attrs, attr{"type", "text/plain"})
		}
		n.kids = []*node{{uid: g.uid(), tag: "#text", text: g.pick(rawText)}}
		return n
	case "br", "img", "hr", "wbr":
		n.model, n.end = mVoid, ""
		if tag == "img" {
			n.attrs = append(n.attrs, attr{"alt", "i"})
		}
		return n
	case "ul", "ol":
		n.model = mList
	case "dl":
		n.model = mDL
	case "table":
		n.model = mTable
	case "tbody", "thead":
		n.model = mTbody
	case "tr":
		n.model = mRow
	case "select":
		n.model = mSelect
		if g.chance(0.3) {
			n.attrs = append(n.attrs, attr{"multiple", ""})
		}
		if g.chance(0.15) {
			n.attrs = append(n.attrs, attr{"size", "3"})
		}
	case "optgroup":
		n.model = mOptgroup
		n.attrs = append(n.attrs, attr{"label", "g"})
	case "option", "textarea":
		n.model = mText
		g.formAttrs(n)
	case "p", "span", "b", "i", "em", "a", "label", "button", "code", "h2", "dt", "summary", "mi", "mo", "mn":
		n.model = mPhrasing
		if strings.HasPrefix(tag, "m") {
			n.model = mMathText
		}
	case "pre", "listing":
		n.model = mPhrasing
		if g.chance(0.5) {
			n.kids = append(n.kids, &node{uid: g.uid(), tag: "#text", text: g.pick([]string{"\n", "\n\n", "\r\n", "&#10;"})})
		}
	case "svg":
		n.model = mSVG
		n.attrs = append(n.attrs, attr{"width", "20"}, attr{"height", "20"})
	case "g", "desc":
		n.model = mSVG
		if tag == "desc" {
			n.model = mPhrasing
		}
	case "circle", "rect", "path", "use":
		n.model = mVoid
		n.end = g.pick([]string{"/", "</" + tag + ">"})
		switch tag {
		case "circle":
			n.attrs = append(n.attrs, attr{"r", g.pick([]string{"1", "2", "3"})})
		case "use":
			n.attrs = append(n.attrs, attr{"xlink:href", g.pick([]string{"#a", "#b"})})
		case "path":
			n.attrs = append(n.attrs, attr{"d", "M0 0L1 1"})
		}
		return n
	case "text", "tspan":
		n.model = mSVGText
		if g.odd && g.chance(0.3) {
			n.kids = append(n.kids, &node{uid: g.uid(), tag: "#text", text: "<![CDATA[ x ]]>"})
		}
	case "foreignObject":
		n.model = mFlow
		n.attrs = append(n.attrs, attr{"width", "10"}, attr{"height", "10"})
	case "math", "mrow":
		n.model = mMath
	case "annotation-xml":
		n.model = mMath
		if g.chance(0.5) {
			n.attrs = append(n.attrs, attr{"encoding", "text/html"})
			n.model = mPhrasing
		}
	default: // div, section, li, dd, td, th, form, details, template, noscript, blockquote
		n.model = mFlow
	}
	if n.model == mText {
		if g.chance(0.7) {
			n.kids = append(n.kids, g.text(false))
		}
		if tag == "textarea" && g.chance(0.3) {
			n.kids = append([]*node{{uid: g.uid(), tag: "#text", text: "\n"}}, n.kids...)
		}
		return n
	}
	g.open[tag]++
	for range g.n(5) {
		n.kids = append(n.kids, g.child(n.model, depth+1))
	}
	g.open[tag]--
	if g.odd && g.chance(0.1) {
		n.end = "" // unclosed: the parser closes it somewhere
	}
	return n
}

func (g *gen) attr() attr {
	kv := strings.SplitN(g.pick(classes), "=", 2)
	if len(kv) == 1 {
		return attr{kv[0], ""}
	}
	return attr{kv[0], strings.Trim(kv[1], `"'`)}
}

// formAttrs gives a form control random state in its markup.
func (g *gen) formAttrs(n *node) {
	n.attrs = slices.DeleteFunc(n.attrs, func(a attr) bool {
		return a.k == "value" || a.k == "checked" || a.k == "selected" || a.k == "name"
	})
	if n.tag == "textarea" {
		return
	}
	if g.chance(0.6) {
		n.attrs = append(n.attrs, attr{"value", g.pick([]string{"", "a", "b c", "12", "#00ff00", "2026-01-02"})})
	}
	if n.tag == "option" {
		if g.chance(0.3) {
			n.attrs = append(n.attrs, attr{"selected", ""})
		}
		return
	}
	if g.chance(0.4) {
		n.attrs = append(n.attrs, attr{"checked", ""})
	}
	if g.chance(0.5) {
		n.attrs = append(n.attrs, attr{"name", g.pick([]string{"r", "q"})})
	}
}

// edit changes a page the way a data change changes a render.
func (g *gen) edit(root *node) {
	type at struct {
		parent, n *node
		i         int
	}
	var all []at
	var containers []*node
	containers = append(containers, root)
	walk(root, func(p, c *node, i int) {
		all = append(all, at{p, c, i})
		if c.tag[0] != '#' && c.model != mVoid {
			containers = append(containers, c)
		}
	})
	insert := func(c *node, n *node) {
		i := g.n(len(c.kids) + 1)
		c.kids = slices.Insert(c.kids, i, n)
	}
	if len(all) == 0 {
		insert(root, g.child(mFlow, 1))
		return
	}
	pick := func() at { return all[g.n(len(all))] }
	switch g.n(12) {
	case 0, 1: // change a text or an attribute
		a := pick()
		switch {
		case a.n.tag == "#text":
			a.n.text = g.text(g.chance(0.3)).text
		case a.n.tag == "#comment":
			a.n.text += "!"
		case a.n.tag == "input" || a.n.tag == "option" || a.n.tag == "textarea":
			g.formAttrs(a.n)
			if a.n.tag == "textarea" {
				a.n.kids = []*node{g.text(false)}
			}
		default:
			if len(a.n.attrs) > 0 && g.chance(0.5) {
				a.n.attrs = a.n.attrs[:len(a.n.attrs)-1]
			} else {
				a.n.attrs = append(a.n.attrs, g.attr())
			}
		}
	case 2, 3: // insert new markup
		c := containers[g.n(len(containers))]
		insert(c, g.child(c.model, 2))
	case 4: // remove
		a := pick()
		a.parent.kids = slices.Delete(a.parent.kids, a.i, a.i+1)
	case 5: // move within the parent, or to a like container
		a := pick()
		a.parent.kids = slices.Delete(a.parent.kids, a.i, a.i+1)
		var into []*node
		for _, c := range containers {
			if c.model == a.parent.model && !inside(a.n, c) {
				into = append(into, c)
			}
		}
		insert(into[g.n(len(into))], a.n)
	case 6: // shuffle a container's children: a keyed list reordered
		c := containers[g.n(len(containers))]
		g.r.Shuffle(len(c.kids), func(i, j int) { c.kids[i], c.kids[j] = c.kids[j], c.kids[i] })
	case 7: // many rows at once: insert several, remove several
		c := containers[g.n(len(containers))]
		for range g.n(4) {
			if len(c.kids) > 0 && g.chance(0.5) {
				i := g.n(len(c.kids))
				c.kids = slices.Delete(c.kids, i, i+1)
			} else {
				insert(c, g.child(c.model, 3))
			}
		}
	case 8: // add or drop an id
		a := pick()
		if a.n.tag[0] != '#' {
			a.n.id = !a.n.id
		}
	case 9: // whitespace around a node
		c := containers[g.n(len(containers))]
		insert(c, g.text(true))
	case 10: // reverse
		c := containers[g.n(len(containers))]
		slices.Reverse(c.kids)
	case 11: // data-cache="false"
		a := pick()
		if a.n.tag[0] != '#' {
			a.n.attrs = append(a.n.attrs, attr{"data-cache", "false"})
		}
	}
}

// inside reports whether c is n or under it.
func inside(n, c *node) bool {
	if n == c {
		return true
	}
	for _, k := range n.kids {
		if inside(k, c) {
			return true
		}
	}
	return false
}

// randomCase is a random page and steps edits of it, as trees.
func (g *gen) randomCase(steps int) []*node {
	out := []*node{g.page()}
	for range steps {
		next := out[len(out)-1].clone()
		for range 1 + g.n(3) {
			g.edit(next)
		}
		out = append(out, next)
	}
	return out
}
