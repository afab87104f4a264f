package markup

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// Model is what an element's children may be, so that generated markup
// is mostly what a template author writes (well-formed pages get
// fragment updates) and sometimes not (malformed ones get body replaces).
type Model int

const (
	mFlow Model = iota
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

// Gen generates random pages and edits them, from a seed: the same seed
// gives the same pages.
type Gen struct {
	r    *rand.Rand
	uids int
	// Odd makes it also write markup browsers do not nest as written
	// (unclosed elements, stray end tags, CDATA, a <!DOCTYPE> in the body).
	Odd bool
	// open counts the open elements that may not nest in themselves.
	open map[string]int
}

// NewGen returns a generator seeded with seed.
func NewGen(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), open: map[string]int{}}
}

func (g *Gen) n(k int) int { return g.r.IntN(k) }

func (g *Gen) pick(s []string) string { return s[g.n(len(s))] }

func (g *Gen) chance(p float64) bool { return g.r.Float64() < p }

var (
	texts = []string{"a", "hello world", " ", "  ", "\n  ", "\n", "\t", "  spaced  ", "x &amp; y", "&lt;b&gt;",
		"&#32;", "&#x20;&#9;", "&nbsp;", "é ✓", "tail ", " lead", "\r\n", "&NewLine;", "1 &lt; 2", "&amp"}
	classes = []string{`class="a"`, `class="b c"`, `title="x > y"`, `data-x='1'`, `hidden`, `lang=en`, `dir="rtl"`,
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

func (g *Gen) uid() int {
	g.uids++
	return g.uids
}

// Page returns a random body.
func (g *Gen) Page() *Node {
	root := &Node{Tag: "body", Model: mFlow, UID: g.uid()}
	for range 1 + g.n(4) {
		k := g.child(mFlow, 0)
		k.ID = k.Tag[0] != '#' // as templates do: id'd sections
		root.Kids = append(root.Kids, k)
	}
	// A heavy fragment makes a body replace the costliest update.
	root.Kids = append(root.Kids, &Node{UID: g.uid(), Tag: "p", ID: true, End: "</p>", Model: mPhrasing,
		Kids: []*Node{{UID: g.uid(), Tag: "#text", Text: strings.Repeat("padding ", 100)}}})
	return root
}

// child returns a random node that may sit in a parent of Model m.
func (g *Gen) child(m Model, depth int) *Node {
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
		return &Node{UID: g.uid(), Tag: "span", ID: true, End: "</span>", Model: mPhrasing,
			Kids: []*Node{{UID: g.uid(), Tag: "#text", Text: strings.Repeat("heavy ", 40)}}}
	case k == 3:
		if g.Odd && g.chance(0.2) {
			return &Node{UID: g.uid(), Tag: "#text", Text: g.pick([]string{"</>", "<!DOCTYPE html>", "</ x>", "<?pi?>"})}
		}
		return &Node{UID: g.uid(), Tag: "#comment", Text: g.pick([]string{" c ", "", "x-y", "-", " <b> "})}
	case m == mPhrasing:
		return g.element(g.tag(phrasingTags), depth)
	default:
		return g.element(g.tag(flowTags), depth)
	}
}

// tag picks a tag that may open here: the parser closes an open a,
// button or form before another, and <noscript> content is text.
func (g *Gen) tag(from []string) string {
	for {
		t := g.pick(from)
		switch t {
		case "a", "button", "form", "noscript":
			if g.open[t] > 0 && !g.Odd {
				continue
			}
		}
		if g.open["noscript"] > 0 && (t == "template" || t == "textarea") && !g.Odd {
			continue
		}
		return t
	}
}

// edits are what edit puts into a text: digits, as a counter's, and
// characters of two, three and four bytes in UTF-8 (one and two UTF-16
// code units).
var edits = []string{"1", "42", "é", "✓", "😀", " ", ""}

// edit returns s with one of its characters, or none, replaced by an edit:
// a text changed in place, which keeps what surrounds the change.
func (g *Gen) edit(s string) string {
	r := []rune(s)
	i := g.n(len(r) + 1)
	j := min(len(r), i+g.n(2))
	return string(r[:i]) + g.pick(edits) + string(r[j:])
}

func (g *Gen) text(blank bool) *Node {
	t := g.pick(texts)
	if blank {
		t = g.pick([]string{" ", "\n  ", "\n", "  \n    "})
	}
	return &Node{UID: g.uid(), Tag: "#text", Text: t}
}

// element returns a random element named tag with children.
func (g *Gen) element(tag string, depth int) *Node {
	n := &Node{UID: g.uid(), Tag: tag, End: "</" + tag + ">", ID: g.chance(0.6)}
	if g.chance(0.3) {
		n.Attrs = append(n.Attrs, g.attr())
	}
	switch tag {
	case "input":
		n.Model, n.End = mVoid, ""
		if t := g.pick(inputType); t != "" {
			n.Attrs = append(n.Attrs, Attr{"type", t})
		}
		g.formAttrs(n)
		return n
	case "style", "script", "iframe":
		n.Model = mText
		if tag == "script" {
			n.Attrs = append(n.Attrs, Attr{"type", "text/plain"})
		}
		n.Kids = []*Node{{UID: g.uid(), Tag: "#text", Text: g.pick(rawText)}}
		return n
	case "br", "img", "hr", "wbr":
		n.Model, n.End = mVoid, ""
		if tag == "img" {
			n.Attrs = append(n.Attrs, Attr{"alt", "i"})
		}
		return n
	case "ul", "ol":
		n.Model = mList
	case "dl":
		n.Model = mDL
	case "table":
		n.Model = mTable
	case "tbody", "thead":
		n.Model = mTbody
	case "tr":
		n.Model = mRow
	case "select":
		n.Model = mSelect
		if g.chance(0.3) {
			n.Attrs = append(n.Attrs, Attr{"multiple", ""})
		}
		if g.chance(0.15) {
			n.Attrs = append(n.Attrs, Attr{"size", "3"})
		}
	case "optgroup":
		n.Model = mOptgroup
		n.Attrs = append(n.Attrs, Attr{"label", "g"})
	case "option", "textarea":
		n.Model = mText
		g.formAttrs(n)
	case "p", "span", "b", "i", "em", "a", "label", "button", "code", "h2", "dt", "summary", "mi", "mo", "mn":
		n.Model = mPhrasing
		if strings.HasPrefix(tag, "m") {
			n.Model = mMathText
		}
	case "pre", "listing":
		n.Model = mPhrasing
		if g.chance(0.5) {
			n.Kids = append(n.Kids, &Node{UID: g.uid(), Tag: "#text", Text: g.pick([]string{"\n", "\n\n", "\r\n", "&#10;"})})
		}
	case "svg":
		n.Model = mSVG
		n.Attrs = append(n.Attrs, Attr{"width", "20"}, Attr{"height", "20"})
	case "g", "desc":
		n.Model = mSVG
		if tag == "desc" {
			n.Model = mPhrasing
		}
	case "circle", "rect", "path", "use":
		n.Model = mVoid
		n.End = g.pick([]string{"/", "</" + tag + ">"})
		switch tag {
		case "circle":
			n.Attrs = append(n.Attrs, Attr{"r", g.pick([]string{"1", "2", "3"})})
		case "use":
			n.Attrs = append(n.Attrs, Attr{"xlink:href", g.pick([]string{"#a", "#b"})})
		case "path":
			n.Attrs = append(n.Attrs, Attr{"d", "M0 0L1 1"})
		}
		return n
	case "text", "tspan":
		n.Model = mSVGText
		if g.Odd && g.chance(0.3) {
			n.Kids = append(n.Kids, &Node{UID: g.uid(), Tag: "#text", Text: "<![CDATA[ x ]]>"})
		}
	case "foreignObject":
		n.Model = mFlow
		n.Attrs = append(n.Attrs, Attr{"width", "10"}, Attr{"height", "10"})
	case "math", "mrow":
		n.Model = mMath
	case "annotation-xml":
		n.Model = mMath
		if g.chance(0.5) {
			n.Attrs = append(n.Attrs, Attr{"encoding", "text/html"})
			n.Model = mPhrasing
		}
	default: // div, section, li, dd, td, th, form, details, template, noscript, blockquote
		n.Model = mFlow
	}
	if n.Model == mText {
		if g.chance(0.7) {
			n.Kids = append(n.Kids, g.text(false))
		}
		if tag == "textarea" && g.chance(0.3) {
			n.Kids = append([]*Node{{UID: g.uid(), Tag: "#text", Text: "\n"}}, n.Kids...)
		}
		return n
	}
	g.open[tag]++
	for range g.n(5) {
		n.Kids = append(n.Kids, g.child(n.Model, depth+1))
	}
	g.open[tag]--
	if g.Odd && g.chance(0.1) {
		n.End = "" // unclosed: the parser closes it somewhere
	}
	return n
}

func (g *Gen) attr() Attr {
	kv := strings.SplitN(g.pick(classes), "=", 2)
	if len(kv) == 1 {
		return Attr{kv[0], ""}
	}
	return Attr{kv[0], strings.Trim(kv[1], `"'`)}
}

// formAttrs gives a form control random state in its markup.
func (g *Gen) formAttrs(n *Node) {
	n.Attrs = slices.DeleteFunc(n.Attrs, func(a Attr) bool {
		return a.Key == "value" || a.Key == "checked" || a.Key == "selected" || a.Key == "name"
	})
	if n.Tag == "textarea" {
		return
	}
	if g.chance(0.6) {
		n.Attrs = append(n.Attrs, Attr{"value", g.pick([]string{"", "a", "b c", "12", "#00ff00", "2026-01-02"})})
	}
	if n.Tag == "option" {
		if g.chance(0.3) {
			n.Attrs = append(n.Attrs, Attr{"selected", ""})
		}
		return
	}
	if g.chance(0.4) {
		n.Attrs = append(n.Attrs, Attr{"checked", ""})
	}
	if g.chance(0.5) {
		n.Attrs = append(n.Attrs, Attr{"name", g.pick([]string{"r", "q"})})
	}
}

// Edit changes a page in place, the way a data change changes a render:
// text and attributes, markup inserted, removed and moved, lists shuffled,
// reversed and changed in many places at once, ids added and dropped.
func (g *Gen) Edit(root *Node) {
	type at struct {
		parent, n *Node
		i         int
	}
	var all []at
	var containers []*Node
	containers = append(containers, root)
	Walk(root, func(p, c *Node, i int) {
		all = append(all, at{p, c, i})
		if c.Tag[0] != '#' && c.Model != mVoid {
			containers = append(containers, c)
		}
	})
	insert := func(c *Node, n *Node) {
		i := g.n(len(c.Kids) + 1)
		c.Kids = slices.Insert(c.Kids, i, n)
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
		case a.n.Tag == "#text" && g.chance(0.5):
			a.n.Text = g.edit(a.n.Text)
		case a.n.Tag == "#text":
			a.n.Text = g.text(g.chance(0.3)).Text
		case a.n.Tag == "#comment":
			a.n.Text += "!"
		case a.n.Tag == "input" || a.n.Tag == "option" || a.n.Tag == "textarea":
			g.formAttrs(a.n)
			if a.n.Tag == "textarea" {
				a.n.Kids = []*Node{g.text(false)}
			}
		default:
			if len(a.n.Attrs) > 0 && g.chance(0.5) {
				a.n.Attrs = a.n.Attrs[:len(a.n.Attrs)-1]
			} else {
				a.n.Attrs = append(a.n.Attrs, g.attr())
			}
		}
	case 2, 3: // insert new markup
		c := containers[g.n(len(containers))]
		insert(c, g.child(c.Model, 2))
	case 4: // remove
		a := pick()
		a.parent.Kids = slices.Delete(a.parent.Kids, a.i, a.i+1)
	case 5: // move within the parent, or to a like container
		a := pick()
		a.parent.Kids = slices.Delete(a.parent.Kids, a.i, a.i+1)
		var into []*Node
		for _, c := range containers {
			if c.Model == a.parent.Model && !a.n.Contains(c) {
				into = append(into, c)
			}
		}
		insert(into[g.n(len(into))], a.n)
	case 6: // shuffle a container's children: a keyed list reordered
		c := containers[g.n(len(containers))]
		g.r.Shuffle(len(c.Kids), func(i, j int) { c.Kids[i], c.Kids[j] = c.Kids[j], c.Kids[i] })
	case 7: // many rows at once: insert several, remove several
		c := containers[g.n(len(containers))]
		for range g.n(4) {
			if len(c.Kids) > 0 && g.chance(0.5) {
				i := g.n(len(c.Kids))
				c.Kids = slices.Delete(c.Kids, i, i+1)
			} else {
				insert(c, g.child(c.Model, 3))
			}
		}
	case 8: // add or drop an id
		a := pick()
		if a.n.Tag[0] != '#' {
			a.n.ID = !a.n.ID
		}
	case 9: // whitespace around a node
		c := containers[g.n(len(containers))]
		insert(c, g.text(true))
	case 10: // reverse
		c := containers[g.n(len(containers))]
		slices.Reverse(c.Kids)
	case 11: // data-cache="false"
		a := pick()
		if a.n.Tag[0] != '#' {
			a.n.Attrs = append(a.n.Attrs, Attr{"data-cache", "false"})
		}
	}
}

// Steps returns a random page and steps edits of it, each on a copy of
// the step before.
func (g *Gen) Steps(steps int) []*Node {
	out := []*Node{g.Page()}
	for range steps {
		next := out[len(out)-1].Clone()
		for range 1 + g.n(3) {
			g.Edit(next)
		}
		out = append(out, next)
	}
	return out
}
