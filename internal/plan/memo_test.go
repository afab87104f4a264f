package plan

import (
	"fmt"
	"html/template"
	"testing"

	"github.com/stretchr/testify/require"
)

func testNodes(n int) []node {
	out := make([]node, n)
	for i := range out {
		out[i] = node{hotNode{key: uint64(i) * 7}, coldNode{unit: int32(i), next: int32(i + 1)}}
	}
	return out
}

func TestNewMemo_SharesTheChunksThatDidNotChange(t *testing.T) {
	nodes := testNodes(3*chunkSize + 5)
	a := newMemo(nodes, nil, nil)
	require.Equal(t, nodes, a.flatten(nil))

	changed := append([]node(nil), nodes...)
	changed[chunkSize+3].key++
	b := newMemo(changed, a, nil)
	require.Equal(t, changed, b.flatten(nil))
	require.Equal(t, nodes, a.flatten(nil), "the memo it was made from is unchanged")
	require.Len(t, b.chunks, 4)
	requireOnlyKeysOfChunkCopied(t, a, b, 1)
}

func TestNewMemo_ChangedPlaceCopiesTheColdHalfAlone(t *testing.T) {
	nodes := testNodes(2*chunkSize + 3)
	a := newMemo(nodes, nil, nil)
	changed := append([]node(nil), nodes...)
	changed[chunkSize+1].frag++
	b := newMemo(changed, a, nil)
	require.Equal(t, changed, b.flatten(nil))
	require.Equal(t, nodes, a.flatten(nil), "the memo it was made from is unchanged")
	for k := range b.chunks {
		require.Same(t, a.chunks[k].hot, b.chunks[k].hot, "chunk %d's keys are shared", k)
		if k == 1 {
			require.NotSame(t, a.chunks[k].cold, b.chunks[k].cold, "the changed chunk's other halves are copied")
		} else {
			require.Same(t, a.chunks[k].cold, b.chunks[k].cold, "chunk %d's other halves are shared", k)
		}
	}
}

func TestNewMemo_ChangedLengthSharesOnlyWholeEqualChunks(t *testing.T) {
	nodes := testNodes(2*chunkSize + 5)
	a := newMemo(nodes, nil, nil)
	for _, n := range []int{2*chunkSize + 2, 2*chunkSize + 9, chunkSize, 4 * chunkSize} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			next := testNodes(n)
			b := newMemo(next, a, nil)
			require.Equal(t, next, b.flatten(nil))
			require.Same(t, a.chunks[0].hot, b.chunks[0].hot)
			require.Same(t, a.chunks[0].cold, b.chunks[0].cold)
			if n > 2*chunkSize+5 {
				require.NotSame(t, a.chunks[2].hot, b.chunks[2].hot, "a longer last chunk holds nodes a's has not")
				require.NotSame(t, a.chunks[2].cold, b.chunks[2].cold, "a longer last chunk holds nodes a's has not")
			}
		})
	}
}

func TestRender_ChangedRowSharesTheMemoChunksOfTheOthers(t *testing.T) {
	src := boardTemplates["whitespace after each row"]
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	d := &board{}
	for i := range 40 {
		d.Q = append(d.Q, quote{S: fmt.Sprint("s", i), P: "0"})
	}
	first, err := p.Render(Input{Data: d, Enc: encode(t, d)})
	require.NoError(t, err)
	d.Q[30].P = "1"
	next, err := p.Render(Input{Data: d, Enc: encode(t, d), Prev: first.State, Memo: first.Memo})
	require.NoError(t, err)
	require.True(t, next.Skipped)
	require.Equal(t, first.Memo.n, next.Memo.n)
	shared := 0
	for k := range next.Memo.chunks {
		if next.Memo.chunks[k].hot == first.Memo.chunks[k].hot {
			shared++
		}
	}
	// The page's node (chunk 0) and the changed row's chunk are new.
	require.Equal(t, len(next.Memo.chunks)-2, shared, "of %d chunks", len(next.Memo.chunks))
}

func TestNewMemo_ChunksOfThePreviousFlatBytesSharedWhole(t *testing.T) {
	nodes := testNodes(3*chunkSize + 5)
	a := newMemo(nodes, nil, nil)
	changed := append([]node(nil), nodes...)
	changed[chunkSize+3].key++
	byBytes := sharedByBytes.Load()
	b := newMemo(changed, a, a.flatten(nil))
	require.Equal(t, changed, b.flatten(nil))
	require.Equal(t, int64(3), sharedByBytes.Load()-byBytes, "the three unchanged chunks are shared by their bytes")
	requireOnlyKeysOfChunkCopied(t, a, b, 1)
	// Flat nodes that are not prev's (of another length) are not used.
	byBytes = sharedByBytes.Load()
	c := newMemo(changed, a, changed[:len(changed)-1])
	require.Equal(t, changed, c.flatten(nil))
	require.Equal(t, byBytes, sharedByBytes.Load())
}

// requireOnlyKeysOfChunkCopied requires that memo b, made from a where
// only a key in chunk number changed differs, copied that chunk's keys
// (its hot half) and shared every other half with a.
func requireOnlyKeysOfChunkCopied(t *testing.T, a, b *Memo, changed int) {
	t.Helper()
	for k := range b.chunks {
		if k == changed {
			require.NotSame(t, a.chunks[k].hot, b.chunks[k].hot, "the changed chunk's keys are copied")
		} else {
			require.Same(t, a.chunks[k].hot, b.chunks[k].hot, "chunk %d's keys are shared", k)
		}
		require.Same(t, a.chunks[k].cold, b.chunks[k].cold, "chunk %d's other halves are shared: only a key changed", k)
	}
}
