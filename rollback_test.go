package statetemplate_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

func TestRollback_DiscardsInPlaceChangesSinceTheLastRender(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts func(t *testing.T) []statetemplate.Option
	}{
		{"memory store", func(*testing.T) []statetemplate.Option { return nil }},
		{"bolt store", func(t *testing.T) []statetemplate.Option {
			return []statetemplate.Option{
				statetemplate.WithBoltStore(filepath.Join(t.TempDir(), "s.db")),
				statetemplate.WithDataTypes(&page{}),
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRenderer(t, tc.opts(t)...)
			ctx := context.Background()
			tok, s := openRendered(t, r, &page{Owner: "ann", Count: 1, Items: []string{"a"}})
			d := s.Data().(*page)
			d.Count = 99
			d.Items = append(d.Items, "half an action")

			require.NoError(t, s.Rollback(ctx))
			back := s.Data().(*page)
			assert.Equal(t, &page{Owner: "ann", Count: 1, Items: []string{"a"}}, back)
			ups, err := s.RenderFragments(ctx, back)
			require.NoError(t, err)
			require.Len(t, ups, 1)
			assert.True(t, ups[0].IsNoOp, "nothing of the failed action reaches the page")

			require.NoError(t, s.Close())
			s2, err := r.GetSession(tok)
			require.NoError(t, err)
			defer s2.Close()
			assert.Equal(t, 1, s2.Data().(*page).Count, "a reopened session holds the rolled-back data")
		})
	}
}

func TestSetLease_EndsTheSessionOnceNoHandleHoldsIt(t *testing.T) {
	clock := newClock()
	r := newRenderer(t, statetemplate.WithClock(clock.Now))
	tok, s := openRendered(t, r, &page{Owner: "ann"})
	require.NoError(t, s.SetLease(context.Background(), time.Minute))
	clock.Advance(time.Hour)
	assert.True(t, r.ValidateToken(tok), "a held session outlives its lease")
	require.NoError(t, s.SetLease(context.Background(), time.Minute))
	require.NoError(t, s.Close())
	clock.Advance(59 * time.Second)
	assert.True(t, r.ValidateToken(tok))
	clock.Advance(time.Second)
	assert.False(t, r.ValidateToken(tok), "the lease ended it")
}

func TestSetLease_ExpiredLeaseIsSwept(t *testing.T) {
	clock := newClock()
	r := newRenderer(t, statetemplate.WithClock(clock.Now))
	_, s := openRendered(t, r, &page{Owner: "ann"})
	require.NoError(t, s.SetLease(context.Background(), time.Minute))
	require.NoError(t, s.Close())
	clock.Advance(time.Minute)
	n, err := r.Sweep(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the store's deadline index knows the lease")
}
