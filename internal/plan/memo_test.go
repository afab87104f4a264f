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
		out[i] = node{unit: int32(i), next: int32(i + 1), key: uint64(i) * 7}
	}
	return out
}

func TestNewMemo_SharesTheChunksThatDidNotChange(t *testing.T) {
	nodes := testNodes(3*chunkSize + 5)
	a := newMemo(nodes, nil)
	require.Equal(t, nodes, a.flatten(nil))

	changed := append([]node(nil), nodes...)
	changed[chunkSize+3].key++
	b := newMemo(changed, a)
	require.Equal(t, changed, b.flatten(nil))
	require.Equal(t, nodes, a.flatten(nil), "the memo it was made from is unchanged")
	require.Len(t, b.chunks, 4)
	for k := range b.chunks {
		if k == 1 {
			require.NotSame(t, a.chunks[k], b.chunks[k], "the changed chunk is copied")
		} else {
			require.Same(t, a.chunks[k], b.chunks[k], "chunk %d is shared", k)
		}
	}
}

func TestNewMemo_ChangedLengthSharesOnlyWholeEqualChunks(t *testing.T) {
	nodes := testNodes(2*chunkSize + 5)
	a := newMemo(nodes, nil)
	for _, n := range []int{2*chunkSize + 2, 2*chunkSize + 9, chunkSize, 4 * chunkSize} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			next := testNodes(n)
			b := newMemo(next, a)
			require.Equal(t, next, b.flatten(nil))
			require.Same(t, a.chunks[0], b.chunks[0])
			if n > 2*chunkSize+5 {
				require.NotSame(t, a.chunks[2], b.chunks[2], "a longer last chunk holds nodes a's has not")
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
		if next.Memo.chunks[k] == first.Memo.chunks[k] {
			shared++
		}
	}
	// The page's node (chunk 0) and the changed row's chunk are new.
	require.Equal(t, len(next.Memo.chunks)-2, shared, "of %d chunks", len(next.Memo.chunks))
}
