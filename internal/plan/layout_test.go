package plan

import (
	"html/template"
	"strconv"
	"testing"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/cborpath"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// layoutRun returns a run over enc, with the previous layout old (or
// nil), that keeps its encoding.
func layoutRun(enc []byte, old *layout) *run {
	r := &run{enc: enc, in: &Input{EncKept: true}}
	if old != nil {
		r.prev = &Memo{layout: old}
	}
	return r
}

// walkRoot finds the root entries of r's encoding and the elements of
// every list among their values, as a render that reads them does.
func walkRoot(t require.TestingT, r *run) []cborpath.Entry {
	entries, err := r.entries(loc{kind: locEnc, start: 0, end: len(r.enc)})
	require.NoError(t, err)
	for _, e := range entries {
		if cborpath.IsArray(r.enc, e.Val) {
			_, err := r.elemsAt(e.Val)
			require.NoError(t, err)
		}
	}
	return entries
}

// TestRelayout_FindsWhatWalkingFinds chains renders of a dashboard under
// random changes (tasks inserted, removed, swapped, toggled, retitled...):
// the entries and list elements each finds through the last one's layout
// are exactly those cborpath finds by walking the encoding.
func TestRelayout_FindsWhatWalkingFinds(t *testing.T) {
	smallLayouts(t)
	rapid.Check(t, func(t *rapid.T) {
		d := fixture.NewDashboard(rapid.IntRange(0, 60).Draw(t, "tasks"))
		m := fixture.NewMutator(rapid.Uint64().Draw(t, "seed"))
		var old *layout
		for range rapid.IntRange(1, 6).Draw(t, "renders") {
			for range rapid.IntRange(0, 3).Draw(t, "changes") {
				m.Mutate(d)
			}
			enc := encode(t, d)
			r := layoutRun(enc, old)
			got := walkRoot(t, r)
			want, err := cborpath.Entries(enc, cborpath.Range{Start: 0, End: len(enc)}, nil)
			require.NoError(t, err)
			require.Equal(t, want, got, "the root entries")
			for _, e := range want {
				if !cborpath.IsArray(enc, e.Val) {
					continue
				}
				wantElems, err := cborpath.Elems(enc, e.Val, nil)
				require.NoError(t, err)
				if len(wantElems) == 0 {
					require.Empty(t, r.arrays[e.Val.Start], "the elements at byte %d", e.Val.Start)
					continue
				}
				require.Equal(t, wantElems, r.arrays[e.Val.Start], "the elements at byte %d", e.Val.Start)
			}
			old = r.newLayout(old)
			require.NotNil(t, old)
		}
	})
}

// TestRelayout_UnchangedListKeepsItsElements: a change outside the task
// list (a counter click) finds the list byte for byte the same, and the
// next layout shares its elements rather than copying them; a toggled task
// finds every other element by comparing it.
func TestRelayout_UnchangedListKeepsItsElements(t *testing.T) {
	d := fixture.NewDashboard(100)
	m := fixture.NewMutator(1)
	first := layoutRun(encode(t, d), nil)
	walkRoot(t, first)
	l1 := first.newLayout(nil)
	k := tasksEntry(t, l1)
	require.NotNil(t, l1.elems[k], "the task list is large enough to keep")

	m.Apply(d, fixture.MutCounter)
	click := layoutRun(encode(t, d), l1)
	entries, err := click.entries(loc{kind: locEnc, start: 0, end: len(click.enc)})
	require.NoError(t, err)
	require.NotContains(t, click.arrays, entries[k].Val.Start, "an unchanged list is not walked")
	l2 := click.newLayout(l1)
	require.Same(t, &l1.elems[k][0], &l2.elems[k][0], "the unchanged list's elements are shared")

	m.Apply(d, fixture.MutTaskToggle)
	toggle := layoutRun(encode(t, d), l2)
	entries, err = toggle.entries(loc{kind: locEnc, start: 0, end: len(toggle.enc)})
	require.NoError(t, err)
	want, err := cborpath.Elems(toggle.enc, entries[k].Val, nil)
	require.NoError(t, err)
	require.Equal(t, want, toggle.arrays[entries[k].Val.Start], "the changed list's elements, found by comparing")
}

// tasksEntry returns the index of the tasks field among l's entries.
func tasksEntry(t *testing.T, l *layout) int {
	key := cborpath.TextKey(nil, "tasks")
	for k, e := range l.entries {
		if string(l.enc[e.Key.Start:e.Key.End]) == string(key) {
			return k
		}
	}
	t.Fatal("no tasks entry")
	return -1
}

// smallLayouts keeps the layout of every list for the rest of the test, so
// that small random data goes through layouts too.
func smallLayouts(t *testing.T) {
	t.Cleanup(SmallLayouts())
}

// checkKept makes the renders of test t check every key they keep without
// computing it (rootfields.go) against the computed one; when t ends, it
// requires that none was wrong and, with exercised, that some were kept.
func checkKept(t *testing.T, exercised bool) {
	kept, wrong, restore := CheckKeptKeys()
	t.Cleanup(func() {
		restore()
		t.Logf("%d keys kept without being computed", kept())
		require.Zero(t, wrong(), "a kept key differs from the key computed from the data")
		if exercised {
			require.Positive(t, kept(), "the test must exercise kept keys")
		}
	})
}

// TestRender_DashboardThroughLayoutsMatchesDiff renders the dashboard
// under random changes, each render finding the encoding's items and its
// unchanged task rows through the last render's layout: the updates and
// State are always those Diff gives for the whole page.
func TestRender_DashboardThroughLayoutsMatchesDiff(t *testing.T) {
	smallLayouts(t)
	checkKept(t, true)
	flat0, flatWrong0 := checkFlat(t)
	verbatim0, leaves0 := verbatimReplays.Load(), composedLeaves.Load()
	defer func() {
		// The task list's rows, in the tasks section copied unchanged,
		// replayable: passed over by confirmReplays, and checked.
		require.Positive(t, verbatimReplays.Load()-verbatim0, "the test must exercise replayable rows in parts copied unchanged")
		require.Positive(t, flatTaken.Load()-flat0, "the test must exercise memos read from the flat slot")
		require.Zero(t, flatWrong.Load()-flatWrong0, "no node read from the flat slot, chunk shared by its bytes or row passed over differs")
		require.Positive(t, composedLeaves.Load()-leaves0, "the counter's history and the footer's time composed")
	}()
	p, err := Build(fixture.NewTemplate(), Options{})
	require.NoError(t, err)
	orig := fixture.NewTemplate()
	rapid.Check(t, func(t *rapid.T) {
		d := fixture.NewDashboard(rapid.IntRange(8, 40).Draw(t, "tasks"))
		m := fixture.NewMutator(rapid.Uint64().Draw(t, "seed"))
		first, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true})
		require.NoError(t, err)
		_, ref, err := fragments.Diff(nil, execute(t, orig, d))
		require.NoError(t, err)
		st, memo := first.State, first.Memo
		for range rapid.IntRange(1, 8).Draw(t, "renders") {
			m.Apply(d, rapid.SampledFrom(fixture.Mutations).Draw(t, "change"))
			st, memo, ref = renderMatchesDiff(t, p, orig, d, st, memo, ref)
		}
	})
}

// TestNewLayout_KeepsTheRootOfASmallEncodingButNoneNotKept: a 5-task
// dashboard (under 2 KB) keeps its root map's entries, for the next
// render's kept keys, but no elements of its short lists; an encoding the
// session does not keep is never kept in a memo.
func TestNewLayout_KeepsTheRootOfASmallEncodingButNoneNotKept(t *testing.T) {
	small := layoutRun(encode(t, fixture.NewDashboard(5)), nil)
	walkRoot(t, small)
	l := small.newLayout(nil)
	require.NotNil(t, l, "a small encoding")
	require.NotEmpty(t, l.entries)
	require.Nil(t, l.elems, "no list is long enough to keep its elements")

	large := layoutRun(encode(t, fixture.NewDashboard(100)), nil)
	walkRoot(t, large)
	require.NotNil(t, large.newLayout(nil))
	large.in.EncKept = false
	require.Nil(t, large.newLayout(nil), "an encoding the session may modify")
}

// TestRender_UnchangedRowsRerenderWhenTheReadsTheyShareChange: a list in
// which one item changed finds the others byte for byte the last render's
// through the layout, but the field each row also reads ($.Unit) changed
// with it: those rows are rendered again, as Diff says.
func TestRender_UnchangedRowsRerenderWhenTheReadsTheyShareChange(t *testing.T) {
	smallLayouts(t)
	type item struct {
		ID   int
		Name string
	}
	type page struct {
		Items []item
		Unit  string
		N     int
	}
	src := `<html><body><ul id="list">{{range .Items}}<li id="i-{{.ID}}">{{.Name}} {{$.Unit}}</li>{{end}}</ul><p id="n">{{.N}}</p></body></html>`
	p, err := Build(template.Must(template.New("p").Parse(src)), Options{})
	require.NoError(t, err)
	orig := template.Must(template.New("p").Parse(src))
	d := &page{Unit: "kg"}
	for i := range 12 {
		d.Items = append(d.Items, item{ID: i, Name: "item " + strconv.Itoa(i)})
	}
	first, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true})
	require.NoError(t, err)
	_, ref, err := fragments.Diff(nil, execute(t, orig, d))
	require.NoError(t, err)
	st, memo := first.State, first.Memo
	for _, change := range []func(){
		func() { d.Items[3].Name = "three" },                // the other rows keep their keys through the layout
		func() { d.Items[3].Name = "3"; d.Unit = "lb" },     // the rows' shared read changed, most of their elements did not
		func() { d.Items[5].Name = "five"; d.Unit = "lbs" }, // and again, its length too
		func() { d.Items[5].Name = "5"; d.N++ },             // the shared read as it was
	} {
		change()
		st, memo, ref = renderMatchesDiff(t, p, orig, d, st, memo, ref)
	}
}

// renderMatchesDiff renders d after the render that gave st and memo, with
// the encoding kept, and checks its updates and State against Diff of the
// whole page orig executes from ref. It returns the State, memo and
// reference for the next render.
func renderMatchesDiff(t require.TestingT, p *Plan, orig *template.Template, d any, st *fragments.State, memo *Memo, ref *fragments.State) (*fragments.State, *Memo, *fragments.State) {
	out, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true, Prev: st, Memo: memo})
	require.NoError(t, err)
	want, wantState, err := fragments.Diff(ref, execute(t, orig, d))
	require.NoError(t, err)
	require.Equal(t, want, out.Updates)
	stateEqual(t, wantState, out.State)
	return out.State, out.Memo, wantState
}
