package bolt

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// TestLullFlush_UpdatesNotLazyNeverGiveWayToPushes: a flush that found the
// pushes paused and takes updates that are not lazy (an action's, due
// within the update window; a deletion) commits them though a push comes
// during it; only the lazy writes not yet encoded wait for the pushes'
// next lull, keeping their oldest write's time. Given way, the updates
// would wait for the next flush, and Update would hold every action while
// they are overdue: a fan-out that never pauses for longer than the
// flush's encoding kept them waiting until a lazy slice's limit.
func TestLullFlush_UpdatesNotLazyNeverGiveWayToPushes(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(1000*time.Hour))
	recs := createMany(t, s, 3*maxWritesPerTx/2, time.Now().UTC(), "eager") // two transactions
	eager := map[session.ID]bool{}
	for i, r := range recs {
		recs[i] = nextRev(t, r, i)
		if i%100 == 7 {
			eager[r.ID] = true
			require.NoError(t, s.Update(ctx, recs[i]))
			continue
		}
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	require.NotZero(t, s.pending.queuedSince.Load())
	var since [lazySlices]int64
	for k := range since {
		since[k] = s.pending.lazySince[k].Load()
	}
	seen := s.pending.lastLazy.Load()
	require.NotZero(t, seen)

	// seen-1: a push came after the writer found the lull.
	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { return s.flush(allLazy, true, seen-1) }}))
	for _, r := range recs {
		if eager[r.ID] {
			require.Equal(t, r.Rev, storedRev(t, s, r.ID), "an update that is not lazy is committed, pushes or not")
			require.False(t, s.pending.dirty(r.ID))
		}
	}
	require.Zero(t, s.pending.queuedSince.Load(), "no update that is not lazy waits")
	for k := range since {
		require.Equal(t, since[k], s.pending.lazySince[k].Load(), "slice %d keeps its oldest write's time", k)
	}
	lazyLeft := 0
	for _, r := range recs {
		if !eager[r.ID] && s.pending.dirty(r.ID) {
			lazyLeft++
		}
	}
	require.Positive(t, lazyLeft, "the lazy writes wait for the next lull")

	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { return s.flush(allLazy, true, s.pending.lastLazy.Load()) }}))
	for _, r := range recs {
		require.Equal(t, r.Rev, storedRev(t, s, r.ID), "in the lull every write is committed")
	}
}

// TestLullFlush_ADeletionNeverGivesWayToPushes: a deletion of an expired
// session (written within the update window) is committed by a flush that
// gives way to a push.
func TestLullFlush_ADeletionNeverGivesWayToPushes(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	now := time.Now().UTC()
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(1000*time.Hour))
	recs := createMany(t, s, 40, now, "del")
	for i, r := range recs[1:] {
		require.NoError(t, s.Update(lazy, nextRev(t, r, i)))
	}
	gone := newRec(t, now.Add(-2*time.Hour), time.Hour, "expired") // its deadline passed
	require.NoError(t, s.Create(ctx, gone))
	require.NoError(t, s.Delete(ctx, gone.ID))
	require.True(t, s.pending.dirty(gone.ID), "an expired session's deletion waits for the window")
	seen := s.pending.lastLazy.Load()
	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { return s.flush(allLazy, true, seen-1) }}))
	v, err := s.readValue(gone.ID)
	require.NoError(t, err)
	require.Nil(t, v, "the deletion is committed")
	require.False(t, s.pending.dirty(gone.ID))
}

// TestLullWake_WritesNothingWhileThePushesGoOn: woken to look for the
// pushes' lull and finding none, the writer writes nothing — not the
// updates that are not lazy either, whose window has not ended — and no
// generation passes: a fan-out's lull checks (every 20 ms) would
// otherwise commit, and fsync, the actions' updates at each check instead
// of once a window, and expire the clean entries of every session written
// recently within two checks.
func TestLullWake_WritesNothingWhileThePushesGoOn(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	const lazyWindow = 1000 * time.Hour                                              // the writer's own timer never fires
	s, _ := openTemp(t, WithUpdateWindow(10*lazyWindow), WithLazyWindow(lazyWindow)) // the update window ends after the test's times
	const k = 1
	recs := createInSlice(t, s, 20, k, time.Now().UTC())
	for i, r := range recs[1:] {
		require.NoError(t, s.Update(lazy, nextRev(t, r, i)))
	}
	action := nextRev(t, recs[0], 0)
	require.NoError(t, s.Update(ctx, action))
	p := &s.pending
	since := (p.lazySince[k].Load()/int64(lazyWindow)+1)*int64(lazyWindow) + int64(lazyWindow)/10
	p.lazySince[k].Store(since)
	slot := p.at(since).Add(slotWait(k, since, lazyWindow))
	due, ok := p.queuedDeadline(10 * lazyWindow)
	require.True(t, ok)
	require.True(t, slot.Before(due), "the action's window has not ended at the slot")

	p.lastLazy.Store(p.clockAt(slot)) // a fan-out goes on at the slot
	gen := p.gen.Load()
	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { s.flushDue(slot); return nil }}))
	require.Equal(t, action.Rev-1, storedRev(t, s, action.ID), "the action's update waits for its window")
	require.Equal(t, gen, p.gen.Load(), "no generation passes")
	require.True(t, p.dirty(action.ID))

	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { s.flushDue(due); return nil }}))
	require.Equal(t, action.Rev, storedRev(t, s, action.ID), "at its window's end it is written, pushes or not")
}
