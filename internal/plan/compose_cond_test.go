package plan

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/fixture"
)

// condData is the data of the pages with conditions in composed shells.
type condData struct {
	N, Max int
	F      bool
	A, B   string
	P      *condSub
}

type condSub struct{ A string }

// renderSteps renders each of datas as an update of the page before it,
// checks every update batch and State against fragments.Diff of the
// app's own Execute of the whole page, and returns the updates.
func renderSteps(t *testing.T, src string, datas []*condData) [][]fragments.Update {
	t.Helper()
	orig := template.Must(template.New("page").Parse(src))
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	require.True(t, p.Entry(""))
	var out Output
	var ref *fragments.State
	var all [][]fragments.Update
	for i, d := range datas {
		full := execute(t, orig, d)
		wantUps, wantState, err := fragments.Diff(ref, full)
		require.NoError(t, err)
		in := Input{Data: d, Enc: encode(t, d), EncKept: true, Prev: out.State, Memo: out.Memo}
		var page bytes.Buffer
		if i == 0 {
			in.Page = &page
		}
		out, err = p.Render(in)
		require.NoError(t, err, "step %d", i)
		if i == 0 {
			require.Equal(t, string(full), page.String())
		} else {
			require.Equal(t, wantUps, out.Updates, "step %d: Diff's updates of the whole page", i)
			stateEqual(t, wantState, out.State, "step %d", i)
		}
		ref = wantState
		all = append(all, out.Updates)
	}
	return all
}

// htmlOf returns the HTML of the update of fragment id among ups, or "".
func htmlOf(ups []fragments.Update, id string) string {
	for _, u := range ups {
		if u.FragmentID == id {
			return u.HTML
		}
	}
	return ""
}

func TestCompose_ShellConditionFlipsAndPartsComeGoAndMove(t *testing.T) {
	const src = `<body><p id="n">{{.N}}</p>
<section id="s" data-cache="false"><button {{if ge .N .Max}}disabled{{end}}>+</button>
{{if .F}}<b id="a">{{.A}}</b> <i id="b">{{.B}}</i>{{else}}<i id="b">{{.B}}</i>
<b id="a">{{.A}}</b>{{end}}{{if le .N 0}} (min){{else if eq .N 2}} (two){{end}}</section></body>`
	datas := []*condData{
		{N: 1, Max: 3, A: "a", B: "b"},
		{N: 2, Max: 3, A: "a", B: "b"},            // else if taken; parts unchanged
		{N: 3, Max: 3, A: "a", B: "b"},            // disabled: the shell's condition flips
		{N: 3, Max: 3, F: true, A: "a", B: "b"},   // the parts swap places
		{N: 3, Max: 3, F: true, A: "a", B: "c"},   // a part changes by one byte
		{N: 0, Max: 3, F: true, A: "a", B: "c"},   // disabled flips back, (min)
		{N: 0, Max: 3, F: false, A: "a2", B: "c"}, // moved back and changed
	}
	conds := composedConds.Load()
	ups := renderSteps(t, src, datas)
	assert.Equal(t, int64(len(datas)), composedConds.Load()-conds, "the section composed on every render")
	assert.Contains(t, htmlOf(ups[2], "s"), "<button disabled>", "the flipped condition is written")
	assert.NotContains(t, htmlOf(ups[5], "s"), "disabled", "and unwritten when it flips back")
	assert.Contains(t, htmlOf(ups[3], "s"), `<b id="a">a</b> <i id="b">b</i>`, "the parts in their new places")
	assert.Contains(t, htmlOf(ups[4], "s"), `<i id="b">c</i>`, "the changed part's new markup, not its old")
	assert.Contains(t, htmlOf(ups[6], "s"), "<i id=\"b\">c</i>\n<b id=\"a\">a2</b>", "moved back, changed")
}

func TestCompose_ConditionNotComputedExecutesThePart(t *testing.T) {
	// and .P .P.A: text/template stops at a nil P; the shell's natives
	// cannot follow .P.A then, and the part is executed instead.
	const src = `<body><div id="s">{{if and .P .P.A}}<b id="a">{{.P.A}}</b>{{else}}none{{end}}<i id="b">{{.B}}</i></div></body>`
	datas := []*condData{
		{B: "b"},
		{B: "c"},
		{B: "c", P: &condSub{A: "x"}},
		{B: "d", P: &condSub{A: "x"}},
		{B: "d", P: &condSub{A: ""}},
		{B: "e"},
	}
	conds, execd := composedConds.Load(), uncomputed.Load()
	renderSteps(t, src, datas)
	assert.Positive(t, uncomputed.Load()-execd, "executed while P is nil")
	assert.Positive(t, composedConds.Load()-conds, "composed while P is set")
}

func TestCompose_DashboardCounterSectionComposedThroughCounterClicks(t *testing.T) {
	tmpl := dashboardTemplate()
	p, err := Build(tmpl, Options{})
	require.NoError(t, err)
	u := partWithID(t, p, "counter-section")
	require.NotNil(t, u.static, "the counter section's shell is text and conditions around its parts")
	assert.Equal(t, 5, u.static.conds)

	orig := dashboardTemplate()
	d := fixture.NewDashboard(5)
	d.MaxCounter = 2
	full := execute(t, orig, d)
	_, ref, err := fragments.Diff(nil, full)
	require.NoError(t, err)
	var page bytes.Buffer
	out, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true, Page: &page})
	require.NoError(t, err)
	require.Equal(t, string(full), page.String())
	conds := composedConds.Load()
	// Up to the maximum and past it, down to zero and past it, and the
	// history emptied: every condition of the shell flips.
	steps := []func(){
		func() { d.Counter = 1 }, func() { d.Counter = 2 }, func() { d.Counter = 3 },
		func() { d.Counter = 0 }, func() { d.Counter = -1 },
		func() { d.CounterHistory = nil }, func() { d.Counter = 1 },
		func() {
			d.CounterHistory = append(d.CounterHistory, fixture.CounterChange{Action: "increment", Value: 1})
		},
	}
	for i, step := range steps {
		step()
		full := execute(t, orig, d)
		wantUps, wantState, err := fragments.Diff(ref, full)
		require.NoError(t, err)
		out, err = p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true, Prev: out.State, Memo: out.Memo})
		require.NoError(t, err)
		require.Equal(t, wantUps, out.Updates, "step %d", i)
		stateEqual(t, wantState, out.State, "step %d", i)
		ref = wantState
	}
	assert.Equal(t, int64(len(steps)), composedConds.Load()-conds, "the counter section composed on every click")
}
