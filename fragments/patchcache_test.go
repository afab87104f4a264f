package fragments

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedPatches is the PatchCache the property and fuzz tests share
// across cases: a patch cached by one page is replayed in another, below
// other fragments, with other bounds around it.
var sharedPatches = NewPatchCache(1 << 20)

// requireCachedSame runs in with the shared PatchCache twice (filling it,
// then replaying what it has) and requires what DiffPatched without a
// cache gave: the same error class, or the same result.
func requireCachedSame(t require.TestingT, in PatchInput, want *SpliceResult, wantErr error) {
	in.Cache = sharedPatches
	for _, pass := range []string{"filling", "replaying"} {
		got, err := DiffPatched(in)
		if wantErr != nil {
			require.Error(t, err, pass)
			require.Equal(t, errors.Is(wantErr, ErrSplice), errors.Is(err, ErrSplice), "%s: %v, not %v", pass, err, wantErr)
			continue
		}
		require.NoError(t, err, pass)
		require.Equal(t, want, got, pass)
		rootsShared.Add(int64(sharedRoots(in, got.Updates)))
	}
}

// rootsShared counts the updates requireCachedSame saw carry the markup of
// a patch the cache holds, the very string (see differ.rootHTML).
var rootsShared atomic.Int64

// sharedRoots returns how many of ups carry the markup string of a patch
// of in that in.Cache holds.
func sharedRoots(in PatchInput, ups []Update) int {
	in = withOuter(in, &outerBuffers{})
	n := 0
	for _, p := range in.Patches {
		if p.Start < 0 || p.End > len(in.Page) || p.Start > p.End {
			continue
		}
		m := in.Page[p.Start:p.End]
		tok := in.Cache.get(patchKey(m, p.Seen.ctx), m, p.Seen.ctx)
		for _, u := range ups {
			if tok != nil && len(u.HTML) > 0 && unsafe.StringData(u.HTML) == unsafe.StringData(tok.markup) {
				n++
			}
		}
	}
	return n
}

// cellPage is a page with a table of quotes whose cell "x" holds x, after
// pad paragraphs with ids (which move the table's fragments in the State).
func cellPage(pad int, x string) []byte {
	var b strings.Builder
	b.WriteString(`<body>`)
	for i := range pad {
		b.WriteString(`<p id="p` + string(rune('a'+i)) + `">pad</p>`)
	}
	b.WriteString("<table><tbody id=\"t\">\n  <tr id=\"a\"><td>static</td><td id=\"x\">" + x + "</td></tr>\n</tbody></table></body>")
	return []byte(b.String())
}

// patchCell returns DiffPatched's input for cell "x" of prev changed to
// x, and the page it stands for.
func patchCell(t testing.TB, pad int, x string, c *PatchCache) (PatchInput, []byte) {
	old := cellPage(pad, "1")
	xs, xe := at(t, old, `<td id="x">`), at(t, old, `</tr>`)
	as, te := at(t, old, `<tr id="a">`), at(t, old, `</tbody>`)
	ts := at(t, old, `<tbody`)
	first, err := DiffSpliced(SpliceInput{Page: old, Bounds: []Bound{{ts, te + len(`</tbody>`)}, {as, xe + 5}, {xs, xe}}})
	require.NoError(t, err)
	require.True(t, first.Seen[2].Valid())
	page := cellPage(pad, x)
	ps, pe := at(t, page, `<td id="x">`), at(t, page, `</tr>`)
	return PatchInput{Prev: first.State, Page: page, HeadIDs: first.HeadIDs, Cache: c,
		Shells: []Shell{{Prev: 0, Seen: first.Body}, {Prev: indexOf(first.State, "t"), Seen: first.Seen[0]},
			{Prev: indexOf(first.State, "a"), Seen: first.Seen[1]}},
		Bounds:  []Bound{{ps, pe}},
		Patches: []Patch{{Start: ps, End: pe, Prev: indexOf(first.State, "x"), Seen: first.Seen[2]}}}, page
}

func TestPatchCache_ReplaysACellInAnotherPageExactly(t *testing.T) {
	c := NewPatchCache(1 << 20)
	for _, tc := range []struct {
		name string
		pad  int
		x    string
		hits uint64
	}{
		{"first page tokenizes", 0, "2", 0},
		{"another page below other fragments replays", 3, "2", 1},
		{"other markup tokenizes", 3, "3", 1},
		{"the same page again replays", 0, "2", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, page := patchCell(t, tc.pad, tc.x, c)
			got, err := DiffPatched(in)
			require.NoError(t, err)
			want, wantState := diffAll(t, in.Prev, page)
			require.Equal(t, want, got.Updates)
			requireStateOf(t, wantState, got.State)
			learnt, err := DiffSpliced(SpliceInput{Page: page, Bounds: in.Bounds})
			require.NoError(t, err)
			require.Equal(t, learnt.Seen, got.Seen, "the cell's bound learns what the whole page teaches")
			assert.Equal(t, tc.hits, c.Hits())
		})
	}
}

func TestPatchCache_MissesTheSameMarkupInAnotherContext(t *testing.T) {
	c := NewPatchCache(1 << 20)
	m := []byte(`<td id="x">2</td>`)
	k := patchKey(m, 7)
	c.set(k, &patchTokens{markup: string(m), ctx: 7})
	assert.NotNil(t, c.get(k, m, 7))
	assert.Nil(t, c.get(k, m, 8), "another context under the same key")
	assert.Nil(t, c.get(k, []byte(`<td id="x">3</td>`), 7), "other markup under the same key")
	assert.Nil(t, c.get(patchKey(m, 8), m, 8))
	var none *PatchCache
	assert.Nil(t, none.get(k, m, 7), "a nil cache has nothing")
	none.set(k, &patchTokens{}) // and keeps nothing, without failing
}

func TestPatchCache_ZeroValueCachesNothing(t *testing.T) {
	var c PatchCache
	m := []byte(`<td id="x">2</td>`)
	k := patchKey(m, 7)
	c.set(k, &patchTokens{markup: string(m), ctx: 7})
	assert.Nil(t, c.get(k, m, 7))
	html, hash := c.html(m)
	assert.Equal(t, string(m), html)
	assert.Equal(t, HashHTML(string(m)), hash)
	assert.Zero(t, c.Hits())
}

func TestPatchCache_TellsAPatchFromAnUpdatesHTMLUnderOneDigest(t *testing.T) {
	// Empty markup: a patch's entry and an HTML entry then differ by
	// their kind alone.
	c := NewPatchCache(1 << 20)
	k := xxhash.Sum64(nil) // the digest html keys the empty HTML by
	c.set(k, &patchTokens{ctx: 7})
	html, hash := c.html(nil)
	assert.Empty(t, html)
	assert.Equal(t, HashHTML(""), hash, "a patch under the HTML's digest is not its HTML")
	assert.NotNil(t, c.get(k, nil, 7), "and the patch is still found")

	c = NewPatchCache(1 << 20)
	c.html(nil)
	assert.Nil(t, c.get(k, nil, 0), "an update's HTML under a patch's digest is not its patch")
}

func TestPatchCache_HoldsAtMostItsBudget(t *testing.T) {
	const budget = 64 << 10
	c := NewPatchCache(budget)
	for i := range 2000 {
		m := []byte(strings.Repeat("x", 100) + string(rune(i)))
		c.set(patchKey(m, 0), &patchTokens{markup: string(m), frags: make([]frag, 2)})
		c.html(m)
	}
	var held int64
	for _, e := range c.m.All() {
		if e.tokens != nil {
			held += e.tokens.cost()
		} else {
			held += int64(len(e.html)+len(e.hash)) + 64
		}
	}
	assert.Positive(t, held)
	assert.LessOrEqual(t, held, int64(budget))
}

func TestPatchCache_SharesAnUpdatesHTMLForTheSameBytesOnly(t *testing.T) {
	c := NewPatchCache(1 << 20)
	a := []byte(`<td id="x">101.25</td>`)
	html, hash := c.html(a)
	require.Equal(t, string(a), html)
	require.Equal(t, HashHTML(string(a)), hash)
	again, againHash := c.html(slices.Clone(a))
	assert.Equal(t, html, again)
	assert.Equal(t, hash, againHash)
	assert.Same(t, unsafe.StringData(html), unsafe.StringData(again), "the same bytes share one string")
	b := []byte(`<td id="x">101.26</td>`)
	other, otherHash := c.html(b)
	assert.Equal(t, string(b), other, "other bytes get their own")
	assert.Equal(t, HashHTML(string(b)), otherHash)
	var none *PatchCache
	got, gotHash := none.html(a)
	assert.Equal(t, string(a), got, "a nil cache makes them anew")
	assert.Equal(t, hash, gotHash)
}

// BenchmarkDiffPatched_Cell diffs a changed table cell, as each tab of a
// ticker does: tokenized (no cache) or replayed from a PatchCache.
func BenchmarkDiffPatched_Cell(b *testing.B) {
	for _, tc := range []struct {
		name  string
		cache *PatchCache
	}{{"tokenized", nil}, {"replayed", NewPatchCache(1 << 20)}} {
		b.Run(tc.name, func(b *testing.B) {
			in, _ := patchCell(b, 8, `<span class="up">101.25</span>`, tc.cache)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DiffPatched(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestDiffPatched_StateSharesWhatIsUnchangedWithPrev(t *testing.T) {
	in, page := patchCell(t, 2, "2", nil)
	got, err := DiffPatched(in)
	require.NoError(t, err)
	_, wantState := diffAll(t, in.Prev, page)
	require.Equal(t, wantState.IDs, got.State.IDs)
	assert.Same(t, &in.Prev.IDs[0], &got.State.IDs[0], "the same ids: prev's slice")
	assert.Same(t, &in.Prev.Parents[0], &got.State.Parents[0])
	assert.Same(t, &in.Prev.Anchors[0], &got.State.Anchors[0])
	assert.Same(t, &in.Prev.Tags[0], &got.State.Tags[0], "the cell's start tag is unchanged")
	assert.NotEqual(t, in.Prev.Hashes, got.State.Hashes, "the cell's hash changed")

	// A cell that gains a fragment: the ids and parents are its own, and
	// prev is left as it was.
	before := *in.Prev
	before.IDs, before.Parents = slices.Clone(in.Prev.IDs), slices.Clone(in.Prev.Parents)
	in, page = patchCell(t, 2, `<b id="new">2</b>`, nil)
	got, err = DiffPatched(in)
	require.NoError(t, err)
	_, wantState = diffAll(t, in.Prev, page)
	requireStateOf(t, wantState, got.State)
	assert.Contains(t, got.State.IDs, "new")
	assert.Equal(t, before.IDs, in.Prev.IDs, "prev's ids are untouched")
	assert.Equal(t, before.Parents, in.Prev.Parents)
}

func TestPatchCache_OwnPatchIsNeitherLookedUpNorKeptButDiffsTheSame(t *testing.T) {
	c := NewPatchCache(1 << 20)
	for _, tc := range []struct {
		name string
		own  bool
		hits uint64
	}{
		{"an own patch tokenizes", true, 0},
		{"and kept nothing for the next", false, 0},
		{"a shared patch keeps its extraction", false, 1},
		{"an own patch does not replay it", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, page := patchCell(t, 2, "2", c)
			in.Patches[0].Own = tc.own
			got, err := DiffPatched(in)
			require.NoError(t, err)
			want, wantState := diffAll(t, in.Prev, page)
			require.Equal(t, want, got.Updates)
			requireStateOf(t, wantState, got.State)
			assert.Equal(t, tc.hits, c.Hits())
		})
	}
}

// patchLine returns DiffPatched's input for line "x" of a list, which has
// whitespace before it (an outer lead, see withOuter), changed to x.
func patchLine(t testing.TB, x string, c *PatchCache) PatchInput {
	pageOf := func(x string) []byte {
		return []byte("<body><div id=\"d\">\n  <p id=\"x\">" + x + "</p>\n</div></body>")
	}
	old := pageOf("1")
	ds, de := at(t, old, `<div`), at(t, old, `</body>`)
	xs, xe := at(t, old, `<p id="x">`), at(t, old, "\n</div>")
	first, err := DiffSpliced(SpliceInput{Page: old, Bounds: []Bound{{ds, de}, {xs, xe}}})
	require.NoError(t, err)
	require.True(t, first.Seen[1].Valid())
	require.Positive(t, first.Seen[1].outerLen(), "the line has an outer lead")
	page := pageOf(x)
	ps, pe := at(t, page, `<p id="x">`), at(t, page, "\n</div>")
	return PatchInput{Prev: first.State, Page: page, HeadIDs: first.HeadIDs, Cache: c,
		Shells:  []Shell{{Prev: 0, Seen: first.Body}, {Prev: indexOf(first.State, "d"), Seen: first.Seen[0]}},
		Bounds:  []Bound{{ps, pe}},
		Patches: []Patch{{Start: ps, End: pe, Prev: indexOf(first.State, "x"), Seen: first.Seen[1]}}}
}

func TestPatchCache_OwnPatchsUpdateHTMLIsNotShared(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   func(c *PatchCache) PatchInput
	}{
		{"a cell", func(c *PatchCache) PatchInput { in, _ := patchCell(t, 0, "2", c); return in }},
		{"a line with an outer lead", func(c *PatchCache) PatchInput { return patchLine(t, "2", c) }},
	} {
		for _, own := range []bool{false, true} {
			c := NewPatchCache(1 << 20)
			in := tc.in(c)
			in.Patches[0].Own = own
			got, err := DiffPatched(in)
			require.NoError(t, err, tc.name)
			require.Len(t, got.Updates, 1, tc.name)
			u := got.Updates[0]
			require.Equal(t, HashHTML(u.HTML), u.HTMLHash)
			k := xxhash.Sum64String(u.HTML)
			e, held := c.m.Get(k)
			assert.Equal(t, !own, held && e.html == u.HTML, "%s, own=%v: the update's HTML is kept only for a shared patch", tc.name, own)
			assert.Equal(t, !own, c.m.Len() == 2, "%s, own=%v: the patch's extraction is kept only for a shared patch", tc.name, own)
		}
	}
}

// listPage is a page with a list of n items, which is no shell, and
// paragraph "x" holding x after it.
func listPage(n int, x string) []byte {
	var b strings.Builder
	b.WriteString("<body>\n<ul id=\"list\">")
	for i := range n {
		fmt.Fprintf(&b, "\n  <li id=\"i%d\">item <b id=\"b%d\">%d</b></li>", i, i, i)
	}
	b.WriteString("\n</ul>\n<p id=\"x\">" + x + "</p>\n</body>")
	return []byte(b.String())
}

// patchList returns DiffPatched's input for paragraph "x" of a page of n
// items changed to x, and the page it stands for.
func patchList(t testing.TB, n int, x string) (PatchInput, []byte) {
	old := listPage(n, "1")
	xs, xe := at(t, old, `<p id="x">`), at(t, old, "\n</body>")
	first, err := DiffSpliced(SpliceInput{Page: old, Bounds: []Bound{{xs, xe}}})
	require.NoError(t, err)
	page := listPage(n, x)
	ps, pe := at(t, page, `<p id="x">`), at(t, page, "\n</body>")
	return PatchInput{Prev: first.State, Page: page, HeadIDs: first.HeadIDs,
		Shells:  []Shell{{Prev: 0, Seen: first.Body}},
		Bounds:  []Bound{{ps, pe}},
		Patches: []Patch{{Start: ps, End: pe, Prev: indexOf(first.State, "x"), Seen: first.Seen[0]}}}, page
}

// BenchmarkDiffPatched_ParagraphBesideList diffs a changed paragraph next
// to a list of 100 or 1,000 items: what the list costs is the part of
// DiffPatched that follows the page rather than the patch.
func BenchmarkDiffPatched_ParagraphBesideList(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			in, _ := patchList(b, n, "2")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DiffPatched(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
