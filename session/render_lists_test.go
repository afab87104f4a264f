package session_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
)

func TestRenderFragments_LargeListChangedInPlaceStoresTheCodecsEncoding(t *testing.T) {
	ctx := context.Background()
	f := newIdleFixture(t, time.Minute, false)
	tok, id := f.created(t, newBoard("a", 200))
	h, err := f.m.Open(ctx, tok)
	require.NoError(t, err)
	defer h.Close()
	for _, tc := range []struct {
		name   string
		change func(b *board)
		id     string // a fragment updated
		html   string // in that update's HTML
	}{
		{"a field outside the list", func(b *board) { b.Owner = "b" }, "owner", "b"},
		{"one element in place", func(b *board) { b.Tasks[7].Done = true }, "tha", `class="done"`},
		{"an element appended", func(b *board) { b.Tasks = append(b.Tasks, task{ID: 300, Text: "new"}) }, "tasks", ">new</li>"},
		{"two elements in place", func(b *board) { b.Tasks[0].Text, b.Tasks[199].Done = "first", true }, "taa", "first"},
		{"the first element dropped", func(b *board) { b.Tasks = b.Tasks[1:] }, "taa", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := h.Data().(*board)
			tc.change(d)
			ups, err := h.RenderFragments(ctx, d)
			require.NoError(t, err)
			require.NotEmpty(t, ups)
			require.False(t, ups[0].IsNoOp)
			want, err := session.EncodeData(d)
			require.NoError(t, err)
			assert.Equal(t, want, f.stored(t, id).Data)
			assert.True(t, h.KeepsListEncodings())
			i := slices.IndexFunc(ups, func(u fragments.Update) bool { return u.FragmentID == tc.id })
			require.GreaterOrEqual(t, i, 0, "an update of #%s in %v", tc.id, ups)
			assert.Contains(t, ups[i].HTML, tc.html)
		})
	}
	d := h.Data().(*board)
	ups, err := h.RenderFragments(ctx, d)
	require.NoError(t, err)
	assert.True(t, ups[0].IsNoOp, "the same data again is a no-op")

	require.Equal(t, 1, f.compact(t, 2*time.Minute))
	assert.False(t, h.KeepsListEncodings(), "a compacted session keeps no list encodings")
	d = h.Data().(*board)
	d.Tasks[3].Done = true
	ups, err = h.RenderFragments(ctx, d)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Contains(t, ups[0].HTML, `class="done"`)
	want, err := session.EncodeData(d)
	require.NoError(t, err)
	assert.Equal(t, want, f.stored(t, id).Data)
}
