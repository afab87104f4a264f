package tmplgen

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"pgregory.net/rapid"
)

// Item is an element of Data's collections.
type Item struct {
	ID   string
	Name string
	Done bool
	Tags []string
	At   time.Time
}

// Sub is a nested struct of Data.
type Sub struct {
	A string
	B int
}

// Data is the data of every generated template.
type Data struct {
	Title string
	N     int
	Flag  bool
	Items []Item
	M     map[string]Item
	Sub   Sub
	Ptr   *Sub
	HTML  template.HTML
}

// Label is a method with a value receiver.
func (s Sub) Label() string { return s.A + ":" + strconv.Itoa(s.B) }

// Star is a method with a pointer receiver: found only on addressable
// items (range elements of a slice), as text/template resolves it.
func (it *Item) Star() string {
	if it.Done {
		return "*"
	}
	return ""
}

var clock = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

var words = []string{"a", "b & c", "<x>", "déjà", "", " spaced ", "q\"uote"}

func drawItem(t *rapid.T, id int) Item {
	return Item{
		ID:   "i" + strconv.Itoa(id),
		Name: rapid.SampledFrom(words).Draw(t, "name"),
		Done: rapid.Bool().Draw(t, "done"),
		Tags: rapid.SliceOfN(rapid.SampledFrom(words), 0, 2).Draw(t, "tags"),
		At:   clock.Add(time.Duration(rapid.IntRange(0, 3).Draw(t, "at")) * time.Hour),
	}
}

// NewData draws random data.
func NewData(t *rapid.T) *Data {
	d := &Data{Title: "T", N: rapid.IntRange(0, 3).Draw(t, "n"), Flag: rapid.Bool().Draw(t, "flag"),
		M: map[string]Item{}, Sub: Sub{A: "s", B: 1}}
	for i := range rapid.IntRange(0, 4).Draw(t, "items") {
		d.Items = append(d.Items, drawItem(t, i))
	}
	for i := range rapid.IntRange(0, 2).Draw(t, "keys") {
		d.M["k"+strconv.Itoa(i)] = drawItem(t, 100+i)
	}
	return d
}

// Mutate changes d in place, as an app's action would; next numbers new
// items.
func Mutate(t *rapid.T, d *Data, next *int) {
	switch rapid.IntRange(0, 12).Draw(t, "mutation") {
	case 0:
		d.N = rapid.IntRange(0, 3).Draw(t, "n")
	case 1:
		d.Flag = !d.Flag
	case 2:
		*next++
		i := rapid.IntRange(0, len(d.Items)).Draw(t, "at")
		d.Items = slices.Insert(d.Items, i, drawItem(t, *next))
	case 3:
		if len(d.Items) > 0 {
			i := rapid.IntRange(0, len(d.Items)-1).Draw(t, "at")
			d.Items = slices.Delete(d.Items, i, i+1)
		}
	case 4:
		if len(d.Items) > 1 {
			i, j := rapid.IntRange(0, len(d.Items)-1).Draw(t, "i"), rapid.IntRange(0, len(d.Items)-1).Draw(t, "j")
			d.Items[i], d.Items[j] = d.Items[j], d.Items[i]
		}
	case 5:
		if len(d.Items) > 0 {
			it := &d.Items[rapid.IntRange(0, len(d.Items)-1).Draw(t, "at")]
			it.Done = !it.Done
		}
	case 6:
		if len(d.Items) > 0 {
			it := &d.Items[rapid.IntRange(0, len(d.Items)-1).Draw(t, "at")]
			it.Name = rapid.SampledFrom(words).Draw(t, "name")
		}
	case 7:
		k := "k" + strconv.Itoa(rapid.IntRange(0, 3).Draw(t, "key"))
		if _, ok := d.M[k]; ok && rapid.Bool().Draw(t, "drop") {
			delete(d.M, k)
		} else {
			*next++
			d.M[k] = drawItem(t, *next)
		}
	case 8:
		d.Sub.A = rapid.SampledFrom(words).Draw(t, "a")
	case 9:
		if d.Ptr == nil {
			d.Ptr = &Sub{A: "p", B: 2}
		} else {
			d.Ptr = nil
		}
	case 10:
		d.HTML = template.HTML(rapid.SampledFrom([]string{"", "<b>bold</b>", "<i>x</i> y"}).Draw(t, "html"))
	case 11:
		d.Title = rapid.SampledFrom(words).Draw(t, "title")
	case 12:
		// Several items at once, as a tick of live data changes many
		// rows: a field of each chosen item.
		for i := range d.Items {
			if !rapid.Bool().Draw(t, "pick") {
				continue
			}
			if it := &d.Items[i]; rapid.Bool().Draw(t, "field") {
				it.Name = rapid.SampledFrom(words).Draw(t, "name")
			} else {
				it.Done = !it.Done
			}
		}
	}
}

// ctx is the type of dot where the generator writes.
type ctx int

const (
	ctxRoot ctx = iota
	ctxItem
	ctxSub
)

type gen struct {
	t      *rapid.T
	b      strings.Builder
	ids    int
	depth  int
	ranges int      // enclosing ranges (for break)
	vars   []string // variables in scope
	it     string   // the element variable of the enclosing range
	called bool     // a partial with ids was called (twice would repeat them)
}

// Template returns the source of a page and of its partials.
func Template(t *rapid.T) string {
	g := &gen{t: t}
	g.b.WriteString("<!DOCTYPE html><html><head><title>{{.Title}}</title></head><body>\n")
	g.element(ctxRoot, 3)
	g.content(ctxRoot, 3)
	g.b.WriteString("\n<script>var n = {{.N}};</script></body></html>")
	g.b.WriteString(`{{define "item"}}<li id="it-{{.ID}}" class="{{if .Done}}done{{end}}">{{.Name}}<span id="sp-{{.ID}}">{{len .Tags}}</span></li>{{end}}`)
	g.b.WriteString(`{{define "static"}}<footer id="foot">static</footer>{{end}}`)
	g.b.WriteString(`{{define "sub"}}<div id="sub-{{.A}}">{{.B}} {{.Label}}</div>{{end}}`)
	return g.b.String()
}

func (g *gen) pick(n int, label string) int { return rapid.IntRange(0, n-1).Draw(g.t, label) }

// id returns an id attribute, sometimes from data. In a row, mostly from
// its item: a constant id repeats in every row (Diff refuses the page).
func (g *gen) id(c ctx) string {
	g.ids++
	switch g.pick(4, "id") {
	case 0:
		return ""
	case 1, 2:
		if c == ctxItem {
			return fmt.Sprintf(` id="e%d-{{.ID}}"`, g.ids)
		}
	}
	return fmt.Sprintf(` id="e%d"`, g.ids)
}

func (g *gen) attrs(c ctx) string {
	var a []string
	switch g.pick(5, "attr") {
	case 1:
		a = append(a, `class="c {{if `+g.cond(c)+`}}on{{end}}"`)
	case 2:
		a = append(a, `data-cache="false"`)
	case 3:
		a = append(a, `title="{{`+g.value(c)+`}}"`)
	case 4:
		a = append(a, `{{if `+g.cond(c)+`}}hidden{{end}}`)
	}
	if len(a) == 0 {
		return ""
	}
	return " " + strings.Join(a, " ")
}

// value returns a pipeline printing something of dot.
func (g *gen) value(c ctx) string {
	switch c {
	case ctxItem:
		vs := []string{".Name", ".ID", "len .Tags", `.At.Format "15:04"`, "$.Title", "upper .Name", `printf "%v-%v" .ID .Done`}
		if g.it != "" {
			vs = append(vs, g.it+".Name", g.it+".ID")
		}
		return rapid.SampledFrom(vs).Draw(g.t, "v")
	case ctxSub:
		return rapid.SampledFrom([]string{".A", ".B", ".Label", "$.N"}).Draw(g.t, "v")
	}
	vs := []string{".Title", ".N", ".Flag", "len .Items", ".Sub.A", ".Sub.Label", ".HTML", `index .M "k0"`, "upper .Title"}
	for _, v := range g.vars {
		vs = append(vs, v)
	}
	return rapid.SampledFrom(vs).Draw(g.t, "v")
}

func (g *gen) cond(c ctx) string {
	switch c {
	case ctxItem:
		return rapid.SampledFrom([]string{".Done", "not .Done", "$.Flag", "eq .Name \"a\"", ".Tags"}).Draw(g.t, "c")
	case ctxSub:
		return rapid.SampledFrom([]string{".A", "gt .B 1"}).Draw(g.t, "c")
	}
	// Every kind's truth, and/or's values, eq of several, constants of
	// every form (0x2 an int, 0x1p1 a float), len of a map.
	return rapid.SampledFrom([]string{".Flag", "gt .N 1", ".Items", ".Ptr", "not .Flag", ".M", ".Sub",
		"or .Ptr .Flag", "and .Flag .Items", "eq .N 1 2", "le (len .Items) 2", "ne .Title \"T\"",
		"len .M", "eq .N 0x2", "gt (len .Items) 0x1", "or .Sub.A 0", "and .Ptr .Ptr.B"}).Draw(g.t, "c")
}

var tags = []string{"div", "section", "span", "p", "ul", "em", "button", "pre", "textarea"}

func (g *gen) element(c ctx, depth int) {
	tag := rapid.SampledFrom(tags).Draw(g.t, "tag")
	fmt.Fprintf(&g.b, "<%s%s%s>", tag, g.id(c), g.attrs(c))
	switch tag {
	case "textarea":
		fmt.Fprintf(&g.b, "{{%s}}", g.value(c))
	case "ul":
		if c == ctxRoot && !g.called {
			g.called = true
			g.b.WriteString(`{{range .Items}}{{template "item" .}}{{end}}`)
		} else {
			g.content(c, depth-1)
		}
	default:
		g.content(c, depth-1)
	}
	fmt.Fprintf(&g.b, "</%s>", tag)
}

func (g *gen) content(c ctx, depth int) {
	for range g.pick(4, "n") {
		g.b.WriteString(rapid.SampledFrom([]string{"", " ", "\n  ", "text "}).Draw(g.t, "ws"))
		k := g.pick(14, "kind")
		if depth <= 0 {
			k %= 3
		}
		switch k {
		case 0:
			fmt.Fprintf(&g.b, "{{%s}}", g.value(c))
		case 1:
			g.ids++
			// Static text html/template rewrites (comments it strips,
			// whitespace a trim marker eats) or escapes in another
			// context: what a part composed from its static shell writes.
			g.b.WriteString(rapid.SampledFrom([]string{"plain", "<!-- c -->", "&amp;", "<br>", fmt.Sprintf(`<input id="in%d-{{len $.Items}}">`, g.ids),
				"<script>/* c */ var s = '<b>';</script>", "<style>/* c */ p { }</style>", " {{- /* trim */ -}} ", `<a href="/x?a=1&b=2">l</a>`}).Draw(g.t, "static"))
		case 2, 3, 4:
			g.element(c, depth)
		case 5:
			saved := g.vars
			fmt.Fprintf(&g.b, "{{if %s}}", g.cond(c))
			g.content(c, depth-1)
			g.vars = saved
			if g.pick(2, "else") == 1 {
				g.b.WriteString("{{else}}")
				g.content(c, depth-1)
				g.vars = saved
			}
			g.b.WriteString("{{end}}")
		case 6, 7:
			g.rangeItems(c, depth)
		case 8:
			if c == ctxRoot {
				saved := g.vars
				g.b.WriteString(rapid.SampledFrom([]string{"{{with .Sub}}", "{{with .Ptr}}"}).Draw(g.t, "with"))
				g.content(ctxSub, depth-1)
				g.b.WriteString("{{else}}none{{end}}")
				g.vars = saved
			}
		case 9:
			if c == ctxRoot && !g.called {
				g.called = true
				g.b.WriteString(rapid.SampledFrom([]string{`{{template "sub" .Sub}}`, `{{template "static"}}`, `{{range $k, $v := .M}}{{template "item" $v}}{{end}}`}).Draw(g.t, "call"))
			}
		case 10:
			if c == ctxRoot && len(g.vars) < 2 {
				v := "$v" + strconv.Itoa(len(g.vars))
				fmt.Fprintf(&g.b, "{{%s := %s}}", v, g.value(c))
				g.vars = append(g.vars, v)
			}
		case 11:
			if g.ranges > 0 && c == ctxItem {
				g.b.WriteString("{{if .Done}}{{continue}}{{end}}")
			}
		case 12:
			if c != ctxItem {
				g.condShell(c)
			}
		case 13:
			if c == ctxRoot {
				g.leafRange()
			}
		}
	}
}

// leafRange writes an id'd element without parts inside, whose range
// prints its items in text and in attributes, as a counter's history
// does: a leaf a renderer may compose rather than execute. Its variable
// may shadow one of the page's, and its else prints the page's data.
func (g *gen) leafRange() {
	g.ids++
	v := "$h"
	if len(g.vars) > 0 && g.pick(2, "shadow") == 0 {
		v = g.vars[0]
	}
	fmt.Fprintf(&g.b, `<ol id="lr%d">{{range %s := .Items}}`, g.ids, v)
	fmt.Fprintf(&g.b, `<li title="{{%s.Name}}">{{.ID}} {{%s.At.Format "15:04"}} ({{len .Tags}}){{if %s.Done}} done{{end}}</li>`, v, v, v)
	if g.pick(2, "leafElse") == 0 {
		g.b.WriteString(`{{else}}<li>{{$.Title}} {{len $.M}}</li>`)
	}
	g.b.WriteString("{{end}}</ol>")
}

// condShell writes an id'd element whose shell is text and conditions
// around id'd elements, sometimes with data-cache="false": what a
// renderer may compose from its pieces rather than execute. Its
// conditions flip, its parts come and go and swap places with them.
func (g *gen) condShell(c ctx) {
	g.ids += 3
	sec, a, b := g.ids-2, g.ids-1, g.ids
	cache := ""
	if g.pick(2, "condShellCache") == 0 {
		cache = ` data-cache="false"`
	}
	fmt.Fprintf(&g.b, `<section id="cs%d"%s>`, sec, cache)
	fmt.Fprintf(&g.b, `<button {{if %s}}disabled{{end}}>b</button>`, g.cond(c))
	pa := fmt.Sprintf(`<span id="cp%d">{{%s}}</span>`, a, g.value(c))
	pb := fmt.Sprintf(`<em id="cp%d">{{%s}}</em>`, b, g.value(c))
	switch g.pick(4, "condShell") {
	case 0: // a part inside a condition, text in its else
		fmt.Fprintf(&g.b, `{{if %s}}%s{{else}}none{{end}} %s`, g.cond(c), pa, pb)
	case 1: // the parts swap places when the condition flips
		fmt.Fprintf(&g.b, "{{if %s}}%s\n%s{{else}}%s %s{{end}}", g.cond(c), pa, pb, pb, pa)
	case 2: // else if, and a condition text/template cuts short
		fmt.Fprintf(&g.b, `{{if and $.Ptr $.Ptr.A}}%s{{else if %s}}x{{end}} %s`, pa, g.cond(c), pb)
	default: // a nested data-cache="false" element, whitespace a condition writes, trim markers
		fmt.Fprintf(&g.b, "<div data-cache=\"false\">%s</div>{{if %s}}\n  {{- else}} {{end -}}\n %s", pa, g.cond(c), pb)
	}
	g.b.WriteString("</section>")
}

func (g *gen) rangeItems(c ctx, depth int) {
	switch c {
	case ctxRoot:
		head := rapid.SampledFrom([]string{"{{range .Items}}", "{{range $i, $it := .Items}}", "{{range $it := .Items}}", "{{range $k, $it := .M}}"}).Draw(g.t, "range")
		g.b.WriteString(head)
		g.ranges++
		saved, savedIt := g.vars, g.it
		g.vars, g.it = nil, ""
		if strings.Contains(head, "$it") {
			g.it = "$it"
		}
		star := !strings.Contains(head, ".M")
		// Sometimes a row shows its map key (a computed input of the row).
		key := strings.Contains(head, "$k") && g.pick(2, "key") == 0
		if g.pick(2, "wrap") == 0 {
			// An id'd element per row, often with whitespace between
			// rows (indentation around it), which is its lead.
			g.ids++
			g.b.WriteString(rapid.SampledFrom(rowSpace).Draw(g.t, "rowLead"))
			fmt.Fprintf(&g.b, `<div id="row%d-{{.ID}}"%s>`, g.ids, g.attrs(ctxItem))
			if key {
				g.b.WriteString("{{$k}}")
			}
			if star {
				g.b.WriteString("{{.Star}}")
			}
			if g.pick(2, "bulk") == 0 {
				// Static markup, as a table row has: rows large enough
				// that Diff updates them rather than the list.
				g.b.WriteString(rowBulk)
			}
			if g.pick(2, "cell") == 0 {
				// A part of the row's own, as a table's changing cell.
				g.ids++
				fmt.Fprintf(&g.b, `<span id="cell%d-{{.ID}}">{{%s}}</span>`, g.ids, g.value(ctxItem))
			}
			g.content(ctxItem, depth-1)
			g.b.WriteString("</div>")
			g.b.WriteString(rapid.SampledFrom(rowSpace).Draw(g.t, "rowTail"))
		} else {
			if key {
				g.b.WriteString("<b>{{$k}}</b>")
			}
			g.content(ctxItem, depth-1)
		}
		g.vars, g.it = saved, savedIt
		g.ranges--
		if g.pick(3, "rangeElse") == 0 {
			g.ids++
			fmt.Fprintf(&g.b, `{{else}}<p id="empty%d">none</p>`, g.ids)
		}
		g.b.WriteString("{{end}}")
	case ctxItem:
		g.b.WriteString("{{range .Tags}}<em>{{.}}</em>{{end}}")
	}
}

// rowSpace is the whitespace a range writes around its row's element.
var rowSpace = []string{"", "\n  ", " "}

// rowBulk is the static markup of a large row.
var rowBulk = "<i>" + strings.Repeat("static ", 40) + "</i>"

// Funcs returns the functions the templates use.
func Funcs() template.FuncMap {
	return template.FuncMap{"upper": strings.ToUpper}
}
