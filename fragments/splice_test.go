package fragments

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/internal/markup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// span is where a fragment sits in a page: its lead and outerHTML.
type span struct {
	id         string
	start, end int
}

// pageOf returns the page whose body is n's.
func pageOf(n *markup.Node) string {
	return "<!DOCTYPE html><html><head><title>t</title></head><body>" + n.Body() + "</body></html>"
}

// spansOf returns the span of every fragment of page but the body, in
// document order, and false when the page is opaque.
func spansOf(t tb, page string) ([]span, bool) {
	t.Helper()
	x, err := extract([]byte(page), 0)
	require.NoError(t, err)
	if x.opaque {
		return nil, false
	}
	out := make([]span, 0, len(x.frags)-1)
	for _, f := range x.frags[1:] {
		// Some spans leave a little of the lead out, as a part does that
		// the template writes after other whitespace: by the id, so that
		// a page and its edit leave out alike.
		outer := min([]int{0, 1, 5, maxOuter}[int(f.id[len(f.id)-1])%4], f.start-f.lead)
		out = append(out, span{id: f.id, start: f.lead + outer, end: f.end})
	}
	return out, true
}

func bounds(spans []span) []Bound {
	out := make([]Bound, len(spans))
	for i, s := range spans {
		out[i] = Bound{Start: s.start, End: s.end}
	}
	return out
}

func indexOf(st *State, id string) int32 {
	for i, x := range st.IDs {
		if x == id && i > 0 {
			return int32(i)
		}
	}
	return -1
}

// skeleton cuts the spans chosen out of page and returns the splices that
// stand for them, the bounds of the other spans with the index in spans of
// each, and a Fill.
func skeleton(page string, spans []span, chosen []bool, prevIdx []int32, seen []Seen) (string, []Splice, []Bound, []int, func(int) ([]byte, error)) {
	var b strings.Builder
	var splices []Splice
	var fills [][]byte
	var bs []Bound
	var of []int
	last, cut, skipUntil := 0, 0, -1
	for i, s := range spans {
		if s.start < skipUntil {
			continue // inside a chosen span
		}
		if !chosen[i] {
			bs = append(bs, Bound{Start: s.start - cut, End: s.end - cut})
			of = append(of, i)
			continue
		}
		// The bounds of spans enclosing this one now end earlier.
		for j := range bs {
			if bs[j].End > s.start-cut {
				bs[j].End -= s.end - s.start
			}
		}
		b.WriteString(page[last:s.start])
		splices = append(splices, Splice{Pos: b.Len(), Prev: prevIdx[i], Seen: seen[i]})
		fills = append(fills, []byte(page[s.start:s.end]))
		cut += s.end - s.start
		last, skipUntil = s.end, s.end
	}
	b.WriteString(page[last:])
	return b.String(), splices, bs, of, func(i int) ([]byte, error) { return fills[i], nil }
}

// diffAll is Diff without its shortcut for an unchanged page, which
// DiffSpliced cannot take: it cannot hash a page it does not have.
func diffAll(t tb, prev *State, page []byte) ([]Update, *State) {
	t.Helper()
	p := *prev
	p.PageHash = ^pageHash(page)
	return mustDiff(t, &p, page)
}

// requireStateOf requires got to be want but for its PageHash, which a
// patched or spliced State salts with how it was made.
func requireStateOf(t tb, want, got *State) {
	t.Helper()
	g := *got
	g.PageHash = want.PageHash
	require.Equal(t, *want, g)
}

var (
	splicedOK, splicedRefused atomic.Int64
	refusals                  sync.Map
)

// TestProperty_SplicedDiffEqualsDiff splices random unchanged subtrees out
// of random pages: DiffSpliced either refuses with ErrSplice or returns
// exactly what Diff returns for the whole page (updates, and the State up
// to its PageHash), and the Seen of every bound it carries equals the one
// the whole page gives.
func TestProperty_SplicedDiffEqualsDiff(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := markup.NewGen(rapid.Uint64().Draw(t, "seed"))
		steps := g.Steps(1)
		old := pageOf(steps[0])
		oldSpans, ok := spansOf(t, old)
		if !ok {
			return // an opaque page has no subtrees to splice
		}
		first, err := DiffSpliced(SpliceInput{Page: []byte(old), Bounds: bounds(oldSpans)})
		require.NoError(t, err)
		_, st := mustDiff(t, nil, []byte(old))
		require.Equal(t, st, first.State, "bounds alone change nothing")
		seenByID := map[string]Seen{}
		markupByID := map[string]string{}
		for i, s := range oldSpans {
			seenByID[s.id] = first.Seen[i]
			markupByID[s.id] = old[s.start:s.end]
		}
		page := pageOf(steps[1])
		spans, ok := spansOf(t, page)
		if !ok {
			return
		}
		want, wantState := diffAll(t, st, []byte(page))
		stale := *st
		stale.PageHash = ^pageHash([]byte(page)) // so that the whole page is tokenized
		whole, err := DiffSpliced(SpliceInput{Prev: &stale, Page: []byte(page), Bounds: bounds(spans)})
		require.NoError(t, err)

		chosen := make([]bool, len(spans))
		prevIdx := make([]int32, len(spans))
		seen := make([]Seen, len(spans))
		for i, s := range spans {
			prevIdx[i] = indexOf(st, s.id)
			seen[i] = seenByID[s.id]
			chosen[i] = prevIdx[i] > 0 && seen[i].Spliceable() &&
				markupByID[s.id] == page[s.start:s.end] && rapid.IntRange(0, 3).Draw(t, "splice") > 0
		}
		skel, splices, bs, of, fill := skeleton(page, spans, chosen, prevIdx, seen)
		got, err := DiffSpliced(SpliceInput{Prev: st, Page: []byte(skel), Splices: splices, Bounds: bs, Fill: fill})
		if errors.Is(err, ErrSplice) {
			splicedRefused.Add(1)
			refusals.Store(err.Error(), true)
			return
		}
		require.NoError(t, err)
		if len(splices) > 0 {
			splicedOK.Add(1)
		}
		if len(splices) == 0 {
			want, wantState = mustDiff(t, st, []byte(page)) // a whole page may be found unchanged
		}
		require.Equal(t, want, got.Updates)
		requireStateOf(t, wantState, got.State)
		for k, i := range of {
			if got.Seen == nil {
				break // found unchanged without tokenizing
			}
			require.Equal(t, whole.Seen[i], got.Seen[k], "bound %q learns what the whole page teaches", spans[i].id)
		}
		for i, s := range splices {
			require.Equal(t, st.IDs[s.Prev], got.State.IDs[got.Spliced[i]], "splice %d", i)
		}
	})
	t.Logf("spliced %d, refused %d", splicedOK.Load(), splicedRefused.Load())
	refusals.Range(func(k, _ any) bool { t.Log(k); return true })
	assert.Positive(t, splicedOK.Load())
}

// dashboardSpans returns the page of d and the spans of its top-level
// sections.
func dashboardSpans(t *testing.T, d *fixture.DashboardData, ids ...string) ([]byte, []span) {
	page := renderDash(t, d)
	var spans []span
	for _, id := range ids {
		start := bytes.Index(page, []byte(`id="`+id+`"`))
		require.Positive(t, start, id)
		start = bytes.LastIndexByte(page[:start], '<')
		x, err := extract(page, 0)
		require.NoError(t, err)
		f := x.frags[x.index[id]]
		require.Equal(t, start, f.start)
		spans = append(spans, span{id: id, start: f.lead, end: f.end})
	}
	return page, spans
}

func TestDiffSpliced_DashboardCounterChangeWithSectionsSpliced(t *testing.T) {
	sections := []string{"header-section", "stats-section", "tasks-section", "loading-overlay"}
	d := fixture.NewDashboard(50)
	old, oldSpans := dashboardSpans(t, d, sections...)
	first, err := DiffSpliced(SpliceInput{Page: old, Bounds: bounds(oldSpans)})
	require.NoError(t, err)
	for i := range oldSpans {
		require.True(t, first.Seen[i].Valid(), sections[i])
		assert.Equal(t, oldSpans[i].end-oldSpans[i].start, first.Seen[i].Size())
	}
	d.Counter++
	page, spans := dashboardSpans(t, d, sections...)
	want, wantState := diffAll(t, first.State, page)
	prevIdx := make([]int32, len(spans))
	chosen := make([]bool, len(spans))
	for i, s := range spans {
		prevIdx[i], chosen[i] = indexOf(first.State, s.id), true
	}
	skel, splices, _, _, fill := skeleton(string(page), spans, chosen, prevIdx, first.Seen)
	got, err := DiffSpliced(SpliceInput{Prev: first.State, Page: []byte(skel), Splices: splices, Fill: fill})
	require.NoError(t, err)
	assert.Equal(t, summary(want), summary(got.Updates))
	assert.Equal(t, want, got.Updates)
	assert.Equal(t, wantState.IDs, got.State.IDs)
	assert.Equal(t, wantState.Hashes, got.State.Hashes)
	assert.Equal(t, wantState.Anchors, got.State.Anchors)
	assert.Equal(t, wantState.Parents, got.State.Parents)
	assert.Less(t, len(skel), len(page)/5, "the skeleton is a fraction of the page")
	for i := range splices {
		assert.Equal(t, first.State.IDs[splices[i].Prev], got.State.IDs[got.Spliced[i]])
	}
}

// at returns the offset of sub in page.
func at(t testing.TB, page []byte, sub string) int {
	t.Helper()
	i := bytes.Index(page, []byte(sub))
	require.GreaterOrEqual(t, i, 0, sub)
	return i
}

func TestDiffSpliced_Refusals(t *testing.T) {
	page := []byte(`<body><div id="a"><p id="b">x</p></div><p>y</p></body>`)
	b := Bound{Start: at(t, page, `<p id="b">`), End: at(t, page, `</div>`)}
	first, err := DiffSpliced(SpliceInput{Page: page, Bounds: []Bound{b}})
	require.NoError(t, err)
	require.True(t, first.Seen[0].Valid())
	require.Equal(t, "b", first.State.IDs[2])
	skel := []byte(`<body><div id="a"></div><p>y</p></body>`)
	good := Splice{Pos: b.Start, Prev: 2, Seen: first.Seen[0]}
	_, err = DiffSpliced(SpliceInput{Prev: first.State, Page: skel, Splices: []Splice{good}})
	require.NoError(t, err, "the subtree where it was")
	script := []byte(`<body><div id="a"><script></script></div></body>`)

	for name, in := range map[string]SpliceInput{
		"no previous state": {Page: skel, Splices: []Splice{good}},
		"inside a tag":      {Prev: first.State, Page: skel, Splices: []Splice{{Pos: 9, Prev: 2, Seen: good.Seen}}},
		"another context":   {Prev: first.State, Page: skel, Splices: []Splice{{Pos: at(t, skel, "y"), Prev: 2, Seen: good.Seen}}},
		"past the end":      {Prev: first.State, Page: skel, Splices: []Splice{{Pos: 500, Prev: 2, Seen: good.Seen}}},
		"no such fragment":  {Prev: first.State, Page: skel, Splices: []Splice{{Pos: b.Start, Prev: 9, Seen: good.Seen}}},
		"used twice":        {Prev: first.State, Page: skel, Splices: []Splice{good, good}},
		"zero seen":         {Prev: first.State, Page: skel, Splices: []Splice{{Pos: b.Start, Prev: 2}}},
		"inside raw text":   {Prev: first.State, Page: script, Splices: []Splice{{Pos: at(t, script, "</script>"), Prev: 2, Seen: good.Seen}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DiffSpliced(in)
			assert.ErrorIs(t, err, ErrSplice)
		})
	}
}

func TestDiffSpliced_BoundThatIsNotOneFragmentIsNotValid(t *testing.T) {
	page := []byte(`<body><div id="a">x</div><div id="b">y</div></body>`)
	end := at(t, page, "</body>")
	res, err := DiffSpliced(SpliceInput{Page: page, Bounds: []Bound{
		{Start: at(t, page, `<div id="a">`), End: end},
		{Start: at(t, page, `<div id="b">`), End: end},
		{Start: at(t, page, "x"), End: at(t, page, "x") + 1},
	}})
	require.NoError(t, err)
	assert.False(t, res.Seen[0].Valid(), "two fragments")
	assert.Equal(t, int32(-1), res.Bounded[0])
	assert.True(t, res.Seen[1].Valid())
	assert.False(t, res.Seen[2].Valid(), "not at a start tag")
}

func TestDiffSpliced_FillErrorFailsTheDiff(t *testing.T) {
	page := []byte(`<body><div id="a"><p id="b">x</p></div></body>`)
	b := Bound{Start: at(t, page, `<p id="b">`), End: at(t, page, `</div>`)}
	first, err := DiffSpliced(SpliceInput{Page: page, Bounds: []Bound{b}})
	require.NoError(t, err)
	// The parent's own content changes: its replace needs the child's markup.
	skel := []byte(`<body><div id="a">c</div></body>`)
	splices := []Splice{{Pos: at(t, skel, "</div>"), Prev: 2, Seen: first.Seen[0]}}
	boom := errors.New("boom")
	_, err = DiffSpliced(SpliceInput{Prev: first.State, Page: skel, Splices: splices,
		Fill: func(int) ([]byte, error) { return nil, boom }})
	assert.ErrorIs(t, err, boom)
	assert.ErrorIs(t, err, ErrSplice)
	res, err := DiffSpliced(SpliceInput{Prev: first.State, Page: skel, Splices: splices,
		Fill: func(int) ([]byte, error) { return page[b.Start:b.End], nil }})
	require.NoError(t, err)
	require.Len(t, res.Updates, 1)
	assert.Equal(t, `<div id="a">c<p id="b">x</p></div>`, res.Updates[0].HTML)
}
