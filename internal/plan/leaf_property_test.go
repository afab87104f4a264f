package plan

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate/fragments"
)

// lpName is a named string: html/template's escaper prints it through
// fmt, not as a plain string.
type lpName string

// lpItem is an element of lpData's lists; its fields share names with
// lpData's, so that a path drawn for one mostly resolves in the other.
type lpItem struct {
	S     string
	N     int
	B     bool
	T     time.Time
	P     *lpItem
	Any   any
	L     []lpItem
	Named lpName
	lpInner
}

// lpInner's X is promoted into lpItem where lpItem's own X method, on a
// pointer, does not shadow it: on an addressable item .X is the method, on
// any other the field.
type lpInner struct{ X string }

// Meth is a method: a leaf that prints it is executed.
func (i lpItem) Meth() string { return "m<" + i.S }

// X is a method of the pointer, found only on an addressable item.
func (i *lpItem) X() string { return "x()" }

// lpData is the data of the leaf property's pages.
type lpData struct {
	S     string
	N     int
	U     uint16
	B     bool
	F     float64
	T     time.Time
	PT    *time.Time
	Named lpName
	H     template.HTML
	Any   any
	P     *lpItem
	L     []lpItem
	E     []lpItem
	A     [2]lpItem
	LA    []any
	M     map[string]any
	LP    *[]lpItem
}

var lpWords = []string{"", "a", "<b>&'\"+", "déjà\x00", "\xff", "x y"}

func drawLPItem(t *rapid.T, depth int) lpItem {
	it := lpItem{
		S: rapid.SampledFrom(lpWords).Draw(t, "s"), N: rapid.IntRange(-2, 3).Draw(t, "n"), B: rapid.Bool().Draw(t, "b"),
		T:     time.Date(2026, 3, 1, rapid.IntRange(0, 23).Draw(t, "h"), 4, 5, 0, time.UTC),
		Named: lpName(rapid.SampledFrom(lpWords).Draw(t, "named")), lpInner: lpInner{X: "field<"},
	}
	it.Any = drawLPAny(t, depth)
	if depth > 0 && rapid.Bool().Draw(t, "p") {
		p := drawLPItem(t, depth-1)
		it.P = &p
	}
	if depth > 0 {
		for range rapid.IntRange(0, 2).Draw(t, "l") {
			it.L = append(it.L, drawLPItem(t, depth-1))
		}
	}
	return it
}

func drawLPAny(t *rapid.T, depth int) any {
	switch rapid.IntRange(0, 6).Draw(t, "any") {
	case 0:
		return nil
	case 1:
		return rapid.SampledFrom(lpWords).Draw(t, "anys")
	case 2:
		return rapid.IntRange(-3, 3).Draw(t, "anyn")
	case 3:
		return lpName("nm<")
	case 4:
		return true
	case 5:
		if depth > 0 {
			return drawLPItem(t, depth-1)
		}
	}
	return []lpItem{}
}

func drawLPData(t *rapid.T) *lpData {
	d := &lpData{
		S: rapid.SampledFrom(lpWords).Draw(t, "s"), N: rapid.IntRange(-2, 3).Draw(t, "n"), U: uint16(rapid.IntRange(0, 3).Draw(t, "u")),
		B: rapid.Bool().Draw(t, "b"), F: 1.5, T: time.Date(2026, 3, 1, rapid.IntRange(0, 23).Draw(t, "h"), 4, 5, 0, time.UTC),
		Named: lpName(rapid.SampledFrom(lpWords).Draw(t, "named")), H: template.HTML(rapid.SampledFrom([]string{"", "<b>h</b>"}).Draw(t, "h")),
		Any: drawLPAny(t, 1), M: map[string]any{"k": drawLPAny(t, 1), "s": "s<"},
	}
	if rapid.Bool().Draw(t, "pt") {
		pt := d.T.Add(time.Hour)
		d.PT = &pt
	}
	if rapid.Bool().Draw(t, "p") {
		p := drawLPItem(t, 1)
		d.P = &p
	}
	for range rapid.IntRange(0, 3).Draw(t, "l") {
		d.L = append(d.L, drawLPItem(t, 1))
	}
	if rapid.Bool().Draw(t, "e") {
		d.E = append(d.E, drawLPItem(t, 0))
	}
	d.A = [2]lpItem{drawLPItem(t, 0), drawLPItem(t, 0)}
	for range rapid.IntRange(0, 2).Draw(t, "la") {
		d.LA = append(d.LA, drawLPAny(t, 1))
	}
	if rapid.Bool().Draw(t, "lp") {
		d.LP = &d.L
	}
	return d
}

// lpGen writes the body of a leaf part: prints in every context, ranges
// with and without variables and else, conditions, variables from outside
// the part and shadowing ones.
type lpGen struct {
	t    *rapid.T
	b    strings.Builder
	vars []string // variables in scope
}

// base returns dot, the root or a variable in scope, to start a path.
func (g *lpGen) base() string {
	switch rapid.IntRange(0, 3).Draw(g.t, "base") {
	case 0:
		return "$"
	case 1, 2:
		if len(g.vars) > 0 {
			return rapid.SampledFrom(g.vars).Draw(g.t, "var")
		}
	}
	return ""
}

// path returns a path from a base through fields lpData and lpItem share
// (and a few they do not, a method, map keys, nil pointers).
func (g *lpGen) path(fields ...string) string {
	return g.base() + rapid.SampledFrom(fields).Draw(g.t, "path")
}

var (
	lpPrinted = []string{".S", ".N", ".B", ".Named", ".Any", ".P.S", ".P.N", ".Any.S", ".U", ".F", ".H", ".M.k", ".M.s", ".M.z", ".Meth", ".T", ".X", ".Any.X", ".P.X"}
	lpTimes   = []string{".T", ".PT", ".P.T", ".Any", ".S"}
	lpColls   = []string{".L", ".E", ".LA", ".A", ".P.L", ".LP", ".M", ".Any", ".S", ".N"}
)

// value returns a pipeline a leaf prints or tests.
func (g *lpGen) value() string {
	switch rapid.IntRange(0, 9).Draw(g.t, "value") {
	case 0:
		return rapid.SampledFrom([]string{`"c<&>"`, "3", "true", "'a'", "1.5", "0x10", "-2"}).Draw(g.t, "const")
	case 1:
		return g.path(lpTimes...) + ".Format " + rapid.SampledFrom([]string{`"15:04"`, `"<2006>&"`, `"Jan 2 '06"`}).Draw(g.t, "layout")
	case 2:
		return "len " + g.path(lpColls...)
	case 3:
		return rapid.SampledFrom([]string{"and", "or", "eq", "ne", "lt", "ge"}).Draw(g.t, "op") + " " + g.path(lpPrinted...) + " " + g.path(lpPrinted...)
	case 4:
		return "not " + g.path(lpPrinted...)
	case 5:
		return `printf "%v" ` + g.path(lpPrinted...)
	default:
		return g.path(lpPrinted...)
	}
}

func (g *lpGen) body(depth int) {
	for range rapid.IntRange(1, 2).Draw(g.t, "n") {
		switch k := rapid.IntRange(0, 9).Draw(g.t, "kind"); {
		case k <= 2:
			fmt.Fprintf(&g.b, "{{%s}}", g.value())
		case k == 3:
			q := rapid.SampledFrom([]string{`"`, `'`, ``}).Draw(g.t, "quote")
			attr := rapid.SampledFrom([]string{"title", "class", "href", "onclick", "srcset", "style", "data-x"}).Draw(g.t, "attr")
			fmt.Fprintf(&g.b, "<a %s=%s{{%s}}%s>a</a>", attr, q, g.value(), q)
		case k == 4:
			g.b.WriteString(rapid.SampledFrom([]string{"t", " <br> ", "<!-- c -->", "&amp;", "\n"}).Draw(g.t, "text"))
		case k == 5 && depth > 0:
			fmt.Fprintf(&g.b, "{{if %s}}", g.value())
			g.body(depth - 1)
			if rapid.Bool().Draw(g.t, "else") {
				g.b.WriteString("{{else}}")
				g.body(depth - 1)
			}
			g.b.WriteString("{{end}}")
		case k >= 6 && depth > 0:
			coll := g.path(lpColls...)
			v := ""
			if rapid.Bool().Draw(g.t, "decl") {
				v = rapid.SampledFrom([]string{"$v", "$w"}).Draw(g.t, "rangeVar")
			}
			saved := g.vars
			if v != "" {
				fmt.Fprintf(&g.b, "{{range %s := %s}}", v, coll)
				g.vars = append(g.vars[:len(g.vars):len(g.vars)], v)
			} else {
				fmt.Fprintf(&g.b, "{{range %s}}", coll)
			}
			g.body(depth - 1)
			if rapid.Bool().Draw(g.t, "rangeElse") {
				// The range's variable stays in scope in its else, bound
				// to the collection.
				g.b.WriteString("{{else}}")
				g.body(depth - 1)
			}
			g.vars = saved
			g.b.WriteString("{{end}}")
		}
	}
}

// TestProperty_LeafPartsRenderAsExecute renders random leaf parts over
// random data: every page the plan renders equals Execute's (or both
// fail), and every update equals Diff of the whole page, whether the leaf
// was composed or executed.
func TestProperty_LeafPartsRenderAsExecute(t *testing.T) {
	composed0, executed0 := composedLeaves.Load(), leavesExecuted.Load()
	rapid.Check(t, func(t *rapid.T) {
		g := &lpGen{t: t}
		// Variables of the page, free in the part, named as the part's
		// ranges name theirs.
		outer := ""
		for _, v := range []string{"$v", "$w"} {
			if rapid.Bool().Draw(t, "outer"+v) {
				f := rapid.SampledFrom([]string{"P", "L", "S", "Any", "A"}).Draw(t, "outerField")
				outer += fmt.Sprintf("{{%s := .%s}}", v, f)
				g.vars = append(g.vars, v)
			}
		}
		g.body(2)
		src := "<body>" + outer + `<div id="o">` + g.b.String() + `</div><p id="q">{{.N}}</p></body>`
		option := rapid.SampledFrom([]string{"missingkey=default", "missingkey=zero", "missingkey=error"}).Draw(t, "option")
		orig, err := template.New("page").Option(option).Funcs(template.FuncMap{}).Parse(src)
		require.NoError(t, err, src)
		p, err := Build(template.Must(template.New("page").Option(option).Funcs(template.FuncMap{}).Parse(src)), Options{})
		require.NoError(t, err)
		if !p.Entry("") {
			return
		}
		var st *fragments.State
		var memo *Memo
		var ref *fragments.State
		for i := range rapid.IntRange(1, 3).Draw(t, "renders") {
			var d any = drawLPData(t)
			if rapid.Bool().Draw(t, "byValue") {
				d = *d.(*lpData) // its fields not addressable: pointer methods not found
			}
			var want bytes.Buffer
			wantErr := orig.Execute(&want, d)
			var page bytes.Buffer
			out, err := p.Render(Input{Data: d, Enc: encode(t, d), Page: &page})
			if wantErr != nil {
				require.Error(t, err, "render %d: Execute fails (%v); the plan wrote %q\n%s", i, wantErr, page.String(), src)
				up, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true, Prev: st, Memo: memo})
				require.Error(t, err, "render %d: an update fails as Execute does, not %v\n%s", i, up.Updates, src)
				return
			}
			require.NoError(t, err, src)
			require.Equal(t, want.String(), page.String(), src)
			wantUps, wantState, err := fragments.Diff(ref, want.Bytes())
			require.NoError(t, err)
			up, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true, Prev: st, Memo: memo})
			require.NoError(t, err, src)
			switch {
			case ref == nil:
			case len(wantUps) == 0:
				// Data passed by value: the plan says "none" with an empty
				// slice where Diff returns nil (as on main).
				require.Empty(t, up.Updates, "render %d\n%s", i, src)
			default:
				require.Equal(t, wantUps, up.Updates, "render %d\n%s", i, src)
			}
			stateEqual(t, wantState, up.State)
			st, memo, ref = up.State, up.Memo, wantState
			_ = out
		}
	})
	t.Logf("%d leaves composed, %d executed instead", composedLeaves.Load()-composed0, leavesExecuted.Load()-executed0)
	require.Positive(t, composedLeaves.Load()-composed0, "the property must compose leaves")
	require.Positive(t, leavesExecuted.Load()-executed0, "the property must execute leaves it began to compose")
}
