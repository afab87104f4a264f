package fragments

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/livefir/statetemplate/internal/heaptest"
	"github.com/stretchr/testify/assert"
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
		before := heaptest.Live()
		heldState = nil
		after := heaptest.Live()
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

// TestDiffPatched_NamesFragmentsWithPrevsStringsOnlyForTheSameIDAtTheSamePlace
// patches a list whose items keep, change, swap or gain ids, from a State
// as made and one decoded from CBOR: the State is a full Diff's, prev is
// left as it was, and a new id takes prev's string exactly when prev has
// that id at that index. The ids are longer than a byte: Go makes every
// one-byte string from one static table, shared whatever made it.
func TestDiffPatched_NamesFragmentsWithPrevsStringsOnlyForTheSameIDAtTheSamePlace(t *testing.T) {
	list := func(items string) []byte {
		return []byte("<body><h1 id=\"h\">t</h1><ul id=\"list\">" + items + "</ul><p id=\"p\">end</p></body>")
	}
	old := list(`<li id="item-a">1</li><li id="item-b">2</li><li id="item-c">3</li>`)
	for _, tc := range []struct{ name, items string }{
		{"the same ids, other text", `<li id="item-a">1</li><li id="item-b">two</li><li id="item-c">3</li>`},
		{"an id changed in place", `<li id="item-a">1</li><li id="item-z">2</li><li id="item-c">3</li>`},
		{"two ids swapped", `<li id="item-b">2</li><li id="item-a">1</li><li id="item-c">3</li>`},
		{"an item inserted first", `<li id="item-n">0</li><li id="item-a">1</li><li id="item-b">2</li><li id="item-c">3</li>`},
		{"an item appended", `<li id="item-a">1</li><li id="item-b">2</li><li id="item-c">3</li><li id="item-d">4</li>`},
		{"an item dropped", `<li id="item-a">1</li><li id="item-c">3</li>`},
	} {
		for _, decoded := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/decoded=%v", tc.name, decoded), func(t *testing.T) {
				bd := Bound{Start: at(t, old, "<ul"), End: at(t, old, "<p ")}
				first, err := DiffSpliced(SpliceInput{Page: old, Bounds: []Bound{bd}})
				require.NoError(t, err)
				prev := first.State
				if decoded {
					c, err := cbor.Marshal(prev)
					require.NoError(t, err)
					prev = &State{}
					require.NoError(t, cbor.Unmarshal(c, prev))
				}
				before := slices.Clone(prev.IDs)
				page := list(tc.items)
				ps, pe := at(t, page, "<ul"), at(t, page, "<p ")
				got, err := DiffPatched(PatchInput{Prev: prev, Page: page, HeadIDs: first.HeadIDs,
					Shells:  []Shell{{Prev: 0, Seen: first.Body}},
					Bounds:  []Bound{{ps, pe}},
					Patches: []Patch{{Start: ps, End: pe, Prev: indexOf(prev, "list"), Seen: first.Seen[0]}}})
				require.NoError(t, err)
				want, wantState := diffAll(t, prev, page)
				require.Equal(t, want, got.Updates)
				requireStateOf(t, wantState, got.State)
				require.Equal(t, before, prev.IDs, "prev's ids are untouched")
				// The patch's fragments: the list and its items (the others
				// are copied from prev, wherever they now are).
				root := indexOf(got.State, "list")
				for i, id := range got.State.IDs {
					if i < int(root) || id == "p" {
						continue
					}
					fromPrev := false
					for _, p := range prev.IDs {
						fromPrev = fromPrev || sameString(id, p)
					}
					same := i < len(prev.IDs) && prev.IDs[i] == id
					assert.Equal(t, same, fromPrev, "id %d %q is prev's string exactly when prev has it there", i, id)
				}
			})
		}
	}
}
