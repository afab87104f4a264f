package fragments

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// growingList is a page whose list holds n items, and the bounds of the
// list in it.
func growingList(t testing.TB, n int) ([]byte, Bound) {
	var b strings.Builder
	b.WriteString("<body>\n<ul id=\"list\">")
	for i := range n {
		fmt.Fprintf(&b, "<li id=\"item-%05d\">%d</li>", i, i)
	}
	b.WriteString("</ul>\n</body>")
	page := []byte(b.String())
	return page, Bound{Start: at(t, page, "<ul"), End: at(t, page, "\n</body>")}
}

// heldState keeps a State alive while liveHeap measures it.
var heldState *State

// liveHeap returns the bytes live on the heap after a collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestDiffPatched_AppendedItemsDoNotPinEveryArena appends one item at a
// time to a list that is the patch: each State keeps prev's strings for
// the ids it had and makes one for the new item. The new item's string
// must not pin the whole list's ids of its call: after n appends the State
// would then hold n of them (n² bytes). What the chain's last State holds
// is compared with what the State of one full render of its page holds.
func TestDiffPatched_AppendedItemsDoNotPinEveryArena(t *testing.T) {
	const n = 600
	page, bd := growingList(t, 1)
	first, err := DiffSpliced(SpliceInput{Page: page, Bounds: []Bound{bd}})
	require.NoError(t, err)
	st, body, seen := first.State, first.Body, first.Seen[0]
	for k := 2; k <= n; k++ {
		page, bd = growingList(t, k)
		got, err := DiffPatched(PatchInput{Prev: st, Page: page, HeadIDs: first.HeadIDs,
			Shells:  []Shell{{Prev: 0, Seen: body}},
			Bounds:  []Bound{bd},
			Patches: []Patch{{Start: bd.Start, End: bd.End, Prev: indexOf(st, "list"), Seen: seen}}})
		require.NoError(t, err, "append %d", k)
		require.Len(t, got.Updates, 1, "append %d", k)
		st, body, seen = got.State, got.Shells[0], got.Seen[0]
	}
	_, want := mustDiff(t, nil, page)
	require.Equal(t, want.IDs, st.IDs)

	held := func(s *State) uint64 {
		heldState = s
		before := liveHeap()
		heldState = nil
		after := liveHeap()
		if after > before {
			return 0
		}
		return before - after
	}
	chain, fresh := held(st), held(want)
	t.Logf("a State after %d appends holds %d bytes; one of a full render, %d", n, chain, fresh)
	require.Positive(t, fresh)
	require.Less(t, chain, 2*fresh, "the chain's State holds no more than twice a fresh one")
}

// BenchmarkDiffPatched_AppendToList diffs a list of n items, the patch,
// given one more: the new item's ids are not prev's (see newIDs).
func BenchmarkDiffPatched_AppendToList(b *testing.B) {
	for _, n := range []int{10, 200} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			page, bd := growingList(b, n)
			first, err := DiffSpliced(SpliceInput{Page: page, Bounds: []Bound{bd}})
			require.NoError(b, err)
			page, bd = growingList(b, n+1)
			in := PatchInput{Prev: first.State, Page: page, HeadIDs: first.HeadIDs,
				Shells:  []Shell{{Prev: 0, Seen: first.Body}},
				Bounds:  []Bound{bd},
				Patches: []Patch{{Start: bd.Start, End: bd.End, Prev: indexOf(first.State, "list"), Seen: first.Seen[0]}}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DiffPatched(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
