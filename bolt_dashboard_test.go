package statetemplate

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/internal/fixture"
)

// TestBoltRestart_DashboardDataRendersByteIdentically restores the
// reference dashboard (*fixture.DashboardData: nested structs, maps,
// times, optional times, template functions) from the file after a
// restart: the page is byte-identical, the restored state is the last
// update's, and the next update equals a never-restarted session's.
func TestBoltRestart_DashboardDataRendersByteIdentically(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sessions.db")
	opts := []Option{WithBoltStore(path), WithDataTypes(&fixture.DashboardData{})}
	const sessions = 12

	r, err := New(fixture.NewTemplate(), opts...)
	require.NoError(t, err)
	toks := make([]string, sessions)
	datas := make([]*fixture.DashboardData, sessions)
	muts := make([]*fixture.Mutator, sessions)
	for i := range sessions {
		d := fixture.NewDashboard(3 + i)
		toks[i], err = r.CreateSession(ctx, d.Clone())
		require.NoError(t, err)
		_, err = r.RenderPage(toks[i])
		require.NoError(t, err)
		s, err := r.GetSession(toks[i])
		require.NoError(t, err)
		muts[i] = fixture.NewMutator(uint64(i))
		for range 6 {
			muts[i].Mutate(d)
			_, err := s.RenderFragments(ctx, d.Clone())
			require.NoError(t, err)
		}
		require.NoError(t, s.Close())
		datas[i] = d
	}
	require.NoError(t, r.Close())

	r, err = New(fixture.NewTemplate(), opts...)
	require.NoError(t, err)
	defer r.Close()
	control, err := New(fixture.NewTemplate())
	require.NoError(t, err)
	defer control.Close()
	for i, tok := range toks {
		s, err := r.GetSession(tok)
		require.NoError(t, err)
		same, err := s.RenderFragments(ctx, datas[i].Clone())
		require.NoError(t, err)
		require.Len(t, same, 1)
		require.True(t, same[0].IsNoOp, "session %d: restored state is the last update's", i)

		var want bytes.Buffer
		require.NoError(t, fixture.Render(&want, datas[i]))
		page, err := r.RenderPage(tok)
		require.NoError(t, err)
		require.Equal(t, want.String(), page, "session %d: byte-identical page after restart", i)

		ctok, err := control.CreateSession(ctx, datas[i].Clone())
		require.NoError(t, err)
		_, err = control.RenderPage(ctok)
		require.NoError(t, err)
		cs, err := control.GetSession(ctok)
		require.NoError(t, err)
		next := datas[i].Clone()
		muts[i].Mutate(next)
		wantUpd, err := cs.RenderFragments(ctx, next.Clone())
		require.NoError(t, err)
		gotUpd, err := s.RenderFragments(ctx, next.Clone())
		require.NoError(t, err)
		require.Equal(t, stripTimes(wantUpd), stripTimes(gotUpd), "session %d: next update minimal", i)
		require.NoError(t, s.Close())
		require.NoError(t, cs.Close())
	}
}
