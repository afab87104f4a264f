package fragments

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// patchFrags returns DiffPatched's input for the fragments ids of prev's
// page old, each replaced by its markup in page, every fragment above
// them (and the body) a shell, and the fragments resent, and every
// data-cache="false" fragment outside the patches, resent from page.
func patchFrags(t testing.TB, prev *State, old, page []byte, ids, resent []string) PatchInput {
	t.Helper()
	x, err := extract(old, 0)
	require.NoError(t, err)
	bounds := make([]Bound, 0, len(x.frags))
	for _, f := range x.frags[1:] {
		bounds = append(bounds, Bound{Start: f.start, End: f.end})
	}
	learnt, err := DiffSpliced(SpliceInput{Page: old, Bounds: bounds})
	require.NoError(t, err)
	require.True(t, learnt.State.SameFragments(prev), "prev describes old")
	seen := func(j int32) Seen {
		if j == 0 {
			return learnt.Body
		}
		return learnt.Seen[j-1]
	}
	y, _ := extract(page, 0) // ids and spans even when an id is there twice
	markupOf := func(id string) (int, int) {
		for _, f := range y.frags[1:] {
			if f.id == id {
				return f.start, f.end
			}
		}
		require.Failf(t, "no fragment in the new page", "%q", id)
		return 0, 0
	}
	shell := map[int32]bool{0: true}
	in := PatchInput{Prev: prev, Page: page, HeadIDs: learnt.HeadIDs}
	for _, id := range ids {
		j := indexOf(prev, id)
		require.Positive(t, j, id)
		s, e := markupOf(id)
		in.Patches = append(in.Patches, Patch{Start: s, End: e, Prev: j, Seen: seen(j)})
		for a := prev.Parents[j]; a != 0; a = prev.Parents[a] {
			shell[int32(a)] = true
		}
	}
	// Diff re-sends every data-cache="false" fragment: those outside the
	// patches are resent.
	for j := int32(1); j < int32(len(prev.IDs)); j++ {
		if !seen(j).RootNoCache() || slices.Contains(resent, prev.IDs[j]) {
			continue
		}
		inside := false
		for _, p := range in.Patches {
			inside = inside || p.Prev <= j && j < p.Prev+int32(p.Seen.frags) || j < p.Prev && p.Prev < j+int32(seen(j).frags)
		}
		if !inside {
			resent = append(resent, prev.IDs[j])
		}
	}
	var refills [][]byte
	for _, id := range resent {
		j := indexOf(prev, id)
		s, e := markupOf(id)
		in.Resends = append(in.Resends, Resend{Prev: j, Seen: seen(j)})
		refills = append(refills, page[s:e])
		for a := prev.Parents[j]; a != 0; a = prev.Parents[a] {
			shell[int32(a)] = true
		}
	}
	in.Refill = func(i int) ([]byte, error) { return refills[i], nil }
	for j := range prev.IDs {
		if shell[int32(j)] {
			in.Shells = append(in.Shells, Shell{Prev: int32(j), Seen: seen(int32(j))})
		}
	}
	in.Markup = func(i int) ([]byte, error) {
		s, e := markupOf(prev.IDs[in.Shells[i].Prev])
		return page[s:e], nil
	}
	return in
}

// requirePatchedIsDiff requires DiffPatched of in to give what Diff of
// the whole page gives, and leave prev as it was.
func requirePatchedIsDiff(t testing.TB, in PatchInput, page []byte) *SpliceResult {
	t.Helper()
	prev := in.Prev
	before := State{IDs: slices.Clone(prev.IDs), Parents: slices.Clone(prev.Parents), Anchors: slices.Clone(prev.Anchors),
		Hashes: slices.Clone(prev.Hashes), Tags: slices.Clone(prev.Tags)}
	got, err := DiffPatched(in)
	require.NoError(t, err)
	want, wantState := diffAll(t, prev, page)
	require.Equal(t, want, got.Updates)
	requireStateOf(t, wantState, got.State)
	require.Equal(t, [5]any{before.IDs, before.Parents, before.Anchors, before.Hashes, before.Tags},
		[5]any{prev.IDs, prev.Parents, prev.Anchors, prev.Hashes, prev.Tags}, "prev is left as it was")
	return got
}

// tasksPage is a page of a counter, n tasks (which no patch below
// touches whole) and a footer: the shape of the dashboard.
func tasksPage(n int, counter, footer string) []byte {
	var b strings.Builder
	b.WriteString("<body>\n<main id=\"m\">\n<section id=\"c\" data-cache=\"false\"><span id=\"v\">" + counter + "</span></section>")
	b.WriteString("\n<ul id=\"tasks\">")
	for i := range n {
		fmt.Fprintf(&b, "\n  <li id=\"t%d\"><input id=\"k%d\" type=\"checkbox\"> task %d</li>", i, i, i)
	}
	b.WriteString("\n</ul>\n</main>\n<footer id=\"f\">" + footer + "</footer>\n</body>")
	return []byte(b.String())
}

func TestDiffPatched_InPlaceEqualsDiff(t *testing.T) {
	old := tasksPage(20, "1", `<span id="clock">10:00</span>`)
	_, prev := mustDiff(t, nil, old)
	for _, tc := range []struct {
		name        string
		page        []byte
		ids, resent []string
	}{
		{"a counter beside a list", tasksPage(20, "2", `<span id="clock">10:00</span>`), []string{"c"}, nil},
		{"a counter and the footer", tasksPage(20, "2", `<span id="clock">10:01</span>`), []string{"c", "f"}, nil},
		{"the footer and a resent section", tasksPage(20, "1", `<span id="clock">10:01</span>`), []string{"f"}, []string{"c"}},
		{"a fragment renamed in place", tasksPage(20, "1", `<span id="time">10:00</span>`), []string{"f"}, nil},
		{"a fragment gained, then one kept", tasksPage(20, "2", `<span id="clock">10:00</span><b id="new">!</b>`), []string{"c", "f"}, nil},
		{"a fragment lost before one kept", []byte(strings.Replace(string(tasksPage(20, "1", `x`)), `<span id="v">1</span>`, `1`, 1)), []string{"c", "f"}, nil},
		{"a list reordered in place", []byte(strings.Replace(string(old), "<li id=\"t3\"><input id=\"k3\" type=\"checkbox\"> task 3</li>\n  <li id=\"t4\"><input id=\"k4\" type=\"checkbox\"> task 4</li>",
			"<li id=\"t4\"><input id=\"k4\" type=\"checkbox\"> task 4</li>\n  <li id=\"t3\"><input id=\"k3\" type=\"checkbox\"> task 3</li>", 1)), []string{"tasks"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requirePatchedIsDiff(t, patchFrags(t, prev, old, tc.page, tc.ids, tc.resent), tc.page)
		})
	}
}

func TestDiffPatched_InPlaceSharesUnchangedListsWithPrev(t *testing.T) {
	old := tasksPage(20, "1", `<span id="clock">10:00</span>`)
	_, prev := mustDiff(t, nil, old)
	page := tasksPage(20, "2", `<span id="clock">10:00</span>`)
	got := requirePatchedIsDiff(t, patchFrags(t, prev, old, page, []string{"c"}, nil), page)
	assert.Same(t, &prev.IDs[0], &got.State.IDs[0], "the ids are prev's slice")
	assert.Same(t, &prev.Parents[0], &got.State.Parents[0])
	assert.Same(t, &prev.Anchors[0], &got.State.Anchors[0])
	assert.Same(t, &prev.Tags[0], &got.State.Tags[0])
	assert.NotSame(t, &prev.Hashes[0], &got.State.Hashes[0], "the counter's hash changed: a copy")
	for j, at := range got.Index {
		if j == int(indexOf(prev, "c")) {
			assert.Equal(t, int32(j), at, "the patch's root is where it was")
		}
	}
}

// A State that two sessions share (internal/plan's transitions) is the
// prev of two renders patched differently: each result is Diff's, and
// patching either again leaves the other, and the State they share, as
// they were.
func TestDiffPatched_SharedPrevPatchedTwoWaysEachEqualsDiff(t *testing.T) {
	old := tasksPage(20, "1", `<span id="clock">10:00</span>`)
	_, shared := mustDiff(t, nil, old)
	pageA := tasksPage(20, "2", `<span id="clock">10:00</span>`)
	pageB := tasksPage(20, "1", `<span id="time">10:00</span><b id="new">!</b>`)
	a := requirePatchedIsDiff(t, patchFrags(t, shared, old, pageA, []string{"c"}, nil), pageA)
	b := requirePatchedIsDiff(t, patchFrags(t, shared, old, pageB, []string{"f"}, nil), pageB)
	require.False(t, a.State.SameFragments(b.State))

	keptB := State{IDs: slices.Clone(b.State.IDs), Parents: slices.Clone(b.State.Parents), Anchors: slices.Clone(b.State.Anchors),
		Hashes: slices.Clone(b.State.Hashes), Tags: slices.Clone(b.State.Tags)}
	// A's next render renames a fragment of the list, in place.
	pageA2 := []byte(strings.Replace(string(pageA), `id="k7"`, `id="k7b"`, 1))
	requirePatchedIsDiff(t, patchFrags(t, a.State, pageA, pageA2, []string{"c", "t7"}, nil), pageA2)
	// B's next render patches the list and the footer.
	pageB2 := []byte(strings.Replace(string(pageB), `task 3<`, `task three<`, 1))
	requirePatchedIsDiff(t, patchFrags(t, b.State, pageB, pageB2, []string{"t3", "f"}, nil), pageB2)
	assert.Equal(t, [5]any{keptB.IDs, keptB.Parents, keptB.Anchors, keptB.Hashes, keptB.Tags},
		[5]any{b.State.IDs, b.State.Parents, b.State.Anchors, b.State.Hashes, b.State.Tags}, "B's State is left as it was")
	requireStateOf(t, mustState(t, old), shared)
}

func mustState(t testing.TB, page []byte) *State {
	t.Helper()
	st, err := NewState(page)
	require.NoError(t, err)
	return st
}

func TestDiffPatched_InPlaceDuplicateIDs(t *testing.T) {
	old := tasksPage(5, "1", `<span id="clock">10:00</span>`)
	_, prev := mustDiff(t, nil, old)
	for _, tc := range []struct {
		name, footer string
		headIDs      []string
	}{
		{"a patch takes the id of a fragment outside it", `<span id="t2">10:00</span>`, nil},
		{"a patch repeats an id", `<span id="clock">10</span><i id="clock"></i>`, nil},
		{"a fragment has the id of an element outside the body", `<span id="clock">10:01</span>`, []string{"k3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := tasksPage(5, "1", tc.footer)
			in := patchFrags(t, prev, old, page, []string{"f"}, nil)
			in.HeadIDs = tc.headIDs
			_, err := DiffPatched(in)
			require.ErrorIs(t, err, ErrDuplicateFragmentID)
		})
	}
}

// Patches that keep their counts but move ids between them (swapped,
// renamed while another patch takes the old id, moved into or out of a
// keyed list) or change the nesting inside them give what Diff gives for
// the whole page; a patch taking an id another patch keeps is a
// duplicate, though every count holds.
func TestDiffPatched_InPlaceIDsMovedBetweenPatchesEqualsDiff(t *testing.T) {
	old := []byte(`<body><div id="s"><div id="a"><span id="b">1</span><span id="h">2</span></div><div id="c"><span id="d">3</span></div></div><ul id="l"><li id="x1">1</li><li id="x2">2</li></ul><div id="e"><span id="g">3</span></div></body>`)
	_, prev := mustDiff(t, nil, old)
	for _, tc := range []struct {
		name string
		page string
		ids  []string
	}{
		{"swap ids across patches", `<body><div id="s"><div id="a"><span id="d">1</span><span id="h">2</span></div><div id="c"><span id="b">3</span></div></div><ul id="l"><li id="x1">1</li><li id="x2">2</li></ul><div id="e"><span id="g">3</span></div></body>`, []string{"a", "c"}},
		{"rename and take old id", `<body><div id="s"><div id="a"><span id="z">1</span><span id="h">2</span></div><div id="c"><span id="b">3</span></div></div><ul id="l"><li id="x1">1</li><li id="x2">2</li></ul><div id="e"><span id="g">3</span></div></body>`, []string{"a", "c"}},
		{"nesting in patch", `<body><div id="s"><div id="a"><span id="b">1<span id="h">2</span></span></div><div id="c"><span id="d">3</span></div></div><ul id="l"><li id="x1">1</li><li id="x2">2</li></ul><div id="e"><span id="g">3</span></div></body>`, []string{"a"}},
		{"nesting in patch reversed", `<body><div id="s"><div id="a"><span id="h">1<span id="b">2</span></span></div><div id="c"><span id="d">3</span></div></div><ul id="l"><li id="x1">1</li><li id="x2">2</li></ul><div id="e"><span id="g">3</span></div></body>`, []string{"a"}},
		{"list swap", `<body><div id="s"><div id="a"><span id="b">1</span><span id="h">2</span></div><div id="c"><span id="d">3</span></div></div><ul id="l"><li id="x2">2</li><li id="x1">1</li></ul><div id="e"><span id="g">3</span></div></body>`, []string{"l"}},
		{"list swap and patch id move", `<body><div id="s"><div id="a"><span id="h">1</span><span id="b">2</span></div><div id="c"><span id="d">3</span></div></div><ul id="l"><li id="x2">2</li><li id="x1">1</li></ul><div id="e"><span id="g">3</span></div></body>`, []string{"a", "l"}},
		{"three-way move", `<body><div id="s"><div id="a"><span id="g">1</span><span id="h">2</span></div><div id="c"><span id="b">3</span></div></div><ul id="l"><li id="x1">1</li><li id="x2">2</li></ul><div id="e"><span id="d">3</span></div></body>`, []string{"a", "c", "e"}},
		{"moved from list", `<body><div id="s"><div id="a"><span id="x1">1</span><span id="h">2</span></div><div id="c"><span id="d">3</span></div></div><ul id="l"><li id="b">1</li><li id="x2">2</li></ul><div id="e"><span id="g">3</span></div></body>`, []string{"a", "l"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requirePatchedIsDiff(t, patchFrags(t, prev, old, []byte(tc.page), tc.ids, nil), []byte(tc.page))
		})
	}
}

func TestDiffPatched_InPlaceIDTakenFromAnotherPatchIsADuplicate(t *testing.T) {
	old := []byte(`<body><div id="a"><span id="b">1</span></div><div id="c"><span id="d">3</span></div></body>`)
	_, prev := mustDiff(t, nil, old)
	page := []byte(`<body><div id="a"><span id="d">1</span></div><div id="c"><span id="d">3</span></div></body>`)
	_, err := DiffPatched(patchFrags(t, prev, old, page, []string{"a", "c"}, nil))
	require.ErrorIs(t, err, ErrDuplicateFragmentID)
}

// BenchmarkDiffPatched_CounterBesideTasks diffs a changed counter above a
// list of 50 or 500 tasks, as the dashboard's counter click does: what
// the list costs is what of DiffPatched follows the page, not the patch.
func BenchmarkDiffPatched_CounterBesideTasks(b *testing.B) {
	for _, n := range []int{50, 500} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			old := tasksPage(n, "1", "x")
			_, prev := mustDiff(b, nil, old)
			page := tasksPage(n, "2", "x")
			in := patchFrags(b, prev, old, page, []string{"c"}, nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DiffPatched(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
