package statetemplate_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/storage/memory"
)

// updateLines are updates without their timestamps, for comparing two runs.
func updateLines(ups []statetemplate.Update) []string {
	out := make([]string, len(ups))
	for i, u := range ups {
		u.Timestamp = time.Time{}
		out[i] = u.Action + "|" + u.FragmentID + "|" + u.TargetID + "|" + u.HTML
		if u.IsNoOp {
			out[i] += "|noop"
		}
	}
	return out
}

// lockstep is a dashboard session in each of two renderers, changed by
// mutators of one seed, so that their updates can be compared step by
// step.
type lockstep struct {
	rs   [2]*statetemplate.Renderer
	toks [2]string
	muts [2]*fixture.Mutator
}

func newLockstep(t *testing.T, a, b *statetemplate.Renderer, tasks int, seed uint64) *lockstep {
	t.Helper()
	return &lockstep{
		rs:   [2]*statetemplate.Renderer{a, b},
		toks: [2]string{createRendered(t, a, fixture.NewDashboard(tasks)), createRendered(t, b, fixture.NewDashboard(tasks))},
		muts: [2]*fixture.Mutator{fixture.NewMutator(seed), fixture.NewMutator(seed)},
	}
}

// step makes the next random change, in place on each session's data, and
// requires both renderers' updates to be alike.
func (l *lockstep) step(t *testing.T, step int) {
	t.Helper()
	var got [2][]string
	var name string
	for k, r := range l.rs {
		s, err := r.GetSession(l.toks[k])
		require.NoError(t, err)
		d := s.Data().(*fixture.DashboardData)
		name = l.muts[k].Mutate(d)
		ups, err := s.RenderFragments(context.Background(), d)
		require.NoError(t, err)
		got[k] = updateLines(ups)
		require.NoError(t, s.Close())
	}
	require.Equal(t, got[0], got[1], "step %d (%s)", step, name)
}

// samePages requires both sessions' pages to be alike.
func (l *lockstep) samePages(t *testing.T) {
	t.Helper()
	var pages [2]string
	for k, r := range l.rs {
		var err error
		pages[k], err = r.RenderPage(l.toks[k])
		require.NoError(t, err)
	}
	assert.Equal(t, pages[0], pages[1])
}

func TestIdleCompaction_DashboardUpdatesAfterCompactionEqualThoseWithout(t *testing.T) {
	ctx := context.Background()
	for _, mode := range renderModes {
		t.Run(mode.name, func(t *testing.T) {
			store := memory.New(-1)
			clock := newClock()
			store.Now = clock.Now
			plain := newRendererOf(t, fixture.NewTemplate(), append(mode.opts, statetemplate.WithIdleCompaction(0))...)
			compacting := newRendererOf(t, fixture.NewTemplate(), append(mode.opts, statetemplate.WithCustomStore(store), statetemplate.WithClock(clock.Now))...)
			l := newLockstep(t, plain, compacting, 50, 7)
			// Every other update follows a compaction; the one after it renders
			// from what that update rebuilt.
			for step := range 40 {
				if step%2 == 0 {
					clock.Advance(statetemplate.DefaultIdleCompaction + time.Second)
					_, err := compacting.Sweep(ctx)
					require.NoError(t, err)
					unpacked, err := store.Unused(ctx, clock.Now().Add(time.Hour), 1)
					require.NoError(t, err)
					require.Empty(t, unpacked, "step %d: the session is compacted", step)
				}
				l.step(t, step)
			}
			l.samePages(t)
		})
	}
}

func TestIdleCompaction_OpenBoltSessionIsCompactedAndSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sessions.db")
	clock := newClock()
	open := func() *statetemplate.Renderer {
		r, err := statetemplate.New(fixture.NewTemplate(), statetemplate.WithBoltStore(path),
			statetemplate.WithDataTypes(&fixture.DashboardData{}), statetemplate.WithClock(clock.Now))
		require.NoError(t, err)
		return r
	}
	r := open()
	tok := createRendered(t, r, fixture.NewDashboard(20))
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	clock.Advance(statetemplate.DefaultIdleCompaction + time.Second)
	_, err = r.Sweep(ctx)
	require.NoError(t, err)
	// Written while compacted: the record must be stored whole.
	require.NoError(t, s.SetLease(ctx, time.Hour))
	d := s.Data().(*fixture.DashboardData)
	d.Counter++
	ups, err := s.RenderFragments(ctx, d)
	require.NoError(t, err)
	require.NotEmpty(t, ups)
	assert.False(t, ups[0].IsNoOp)
	want, err := r.RenderPage(tok)
	require.NoError(t, err)
	clock.Advance(statetemplate.DefaultIdleCompaction + time.Second)
	_, err = r.Sweep(ctx)
	require.NoError(t, err)
	require.NoError(t, s.SetLease(ctx, 2*time.Hour))
	require.NoError(t, s.Close())
	require.NoError(t, r.Close())

	r = open()
	defer r.Close()
	got, err := r.RenderPage(tok)
	require.NoError(t, err)
	assert.Equal(t, want, got, "the page after a restart is the page before it")
	s, err = r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	ups, err = s.RenderFragments(ctx, s.Data())
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.True(t, ups[0].IsNoOp)
}

func TestWithIdleCompaction_RefusesANegativeDelay(t *testing.T) {
	_, err := statetemplate.New(pageTmpl, statetemplate.WithIdleCompaction(-time.Second))
	require.ErrorIs(t, err, statetemplate.ErrInvalidOption)
}
