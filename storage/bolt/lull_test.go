package bolt

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/livefir/statetemplate/session"
)

// clockAt returns the pending set's clock reading for t (the inverse of
// at).
func (p *pendingSet) clockAt(t time.Time) int64 { return p.epochNs + int64(t.Sub(p.epoch)) }

// TestLazyDue_ASlotDuringPushesWaitsForTheirLull: a slice whose slot comes
// while lazy writes still arrive (a push's fan-out) is not due; the writer
// looks again when the pushes' lull would begin, and the slice is due
// once they have paused for the lull — or, pushes or not, at its limit,
// which is then forced.
func TestLazyDue_ASlotDuringPushesWaitsForTheirLull(t *testing.T) {
	const window = time.Second
	var p pendingSet
	p.init()
	// A tenth of a window after a multiple of it: slice 2's slot is 0.3
	// of a window later, well before its limit.
	since := (p.epochNs/int64(window)+1)*int64(window) + int64(window)/10
	p.lazySince[2].Store(since)
	slot := p.at(since).Add(slotWait(2, since, window))
	limit := lazyLimit(p.at(since), slot, window)
	require.Equal(t, 300*time.Millisecond, slot.Sub(p.at(since)))
	require.Equal(t, 950*time.Millisecond, limit.Sub(p.at(since)), "the limit comes before the window ends")

	at := slot.Add(time.Millisecond) // the slot has come; a push came just now
	p.lastLazy.Store(p.clockAt(at))
	due, forced, next, ok := p.lazyDue(at, window)
	require.True(t, ok)
	require.Zero(t, due, "pushes are arriving: the slice waits")
	require.Zero(t, forced)
	quiet := at.Add(p.lull)
	if limit.Before(quiet) {
		quiet = limit
	}
	require.True(t, quiet.Equal(next), "the writer looks again when the lull would begin: %v, want %v", next, quiet)

	due, forced, _, _ = p.lazyDue(at.Add(p.lull), window)
	require.Equal(t, uint(1<<2), due, "the pushes paused for the lull")
	require.Zero(t, forced, "in a lull, nothing is forced")

	later := limit.Add(-time.Millisecond)
	p.lastLazy.Store(p.clockAt(later)) // pushes go on
	due, _, _, _ = p.lazyDue(later, window)
	require.Zero(t, due, "still no lull, and the limit has not come")
	p.lastLazy.Store(p.clockAt(limit))
	due, forced, _, _ = p.lazyDue(limit, window)
	require.Equal(t, uint(1<<2), due, "at its limit a slice is flushed, pushes or not")
	require.Equal(t, uint(1<<2), forced)

	before := slot.Add(-time.Nanosecond)
	p.lastLazy.Store(0)
	due, _, next, _ = p.lazyDue(before, window)
	require.Zero(t, due, "a lull does not bring a slot forward")
	require.True(t, slot.Equal(next), "%v", next)
}

// TestLazyDue_ALullLessStreamIsFlushedWithinTheWindow: when lazy writes
// never pause, every slice is still due — forced — no later than a window
// after its oldest write, never before its slot, for every window
// WithLazyWindow accepts.
func TestLazyDue_ALullLessStreamIsFlushedWithinTheWindow(t *testing.T) {
	windows := []time.Duration{
		1, 3, 19, 20, 21, time.Millisecond, 15 * time.Millisecond, time.Second, time.Hour,
		100 * 365 * 24 * time.Hour, 250 * 365 * 24 * time.Hour, math.MaxInt64,
	}
	for _, w := range windows {
		for _, off := range []time.Duration{0, 1, 7 * time.Millisecond, 333 * time.Millisecond, 4 * time.Hour} {
			for k := range lazySlices {
				var p pendingSet
				p.init()
				since := p.clockAt(p.epoch.Add(off))
				p.lazySince[k].Store(since)
				start := p.at(since)
				slot := start.Add(slotWait(k, since, w))
				limit := lazyLimit(start, slot, w)
				require.False(t, limit.Before(slot), "window %v, slice %d: never before the slot", w, k)
				require.False(t, limit.After(start.Add(w)), "window %v, slice %d: within the window (%v after the write)", w, k, limit.Sub(start))
				if w >= lazyReserveDiv {
					require.True(t, limit.Before(start.Add(w)), "window %v, slice %d: before the window ends", w, k)
				}
				for _, now := range []time.Time{slot, limit.Add(-1), limit} {
					if now.Before(slot) {
						continue
					}
					p.lastLazy.Store(p.clockAt(now)) // a push at every instant
					due, forced, next, ok := p.lazyDue(now, w)
					require.True(t, ok)
					if now.Before(limit) {
						require.Zero(t, due, "window %v, slice %d: waits for a lull until its limit", w, k)
						require.False(t, next.After(limit), "window %v, slice %d: the writer looks again by the limit", w, k)
						continue
					}
					require.Equal(t, uint(1<<k), due, "window %v, slice %d: due at its limit", w, k)
					require.Equal(t, uint(1<<k), forced, "window %v, slice %d", w, k)
				}
			}
		}
	}
}

// createInSlice creates n sessions whose ids fall in lazy slice k.
func createInSlice(t *testing.T, s *Store, n, k int, now time.Time) []*session.Record {
	t.Helper()
	recs := make([]*session.Record, n)
	var g errgroup.Group
	g.SetLimit(64)
	for i := range recs {
		r := newRec(t, now, time.Hour, "lull")
		for lazySlice(r.ID) != k {
			r.ID = session.NewID()
		}
		recs[i] = r
		g.Go(func() error { return s.Create(context.Background(), r) })
	}
	require.NoError(t, g.Wait())
	return recs
}

// TestLazyFlush_WaitsForThePushesLullGivesWayToThemAndIsForcedAtItsLimit:
// at its slot, a slice's lazy writes are not flushed while pushes arrive;
// in their lull they are, and a push that comes during that flush stops it
// after its transaction (the writes left stay pending, with their oldest
// write's time); at the slice's limit the flush writes them all although
// pushes keep coming.
func TestLazyFlush_WaitsForThePushesLullGivesWayToThemAndIsForcedAtItsLimit(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	const window = 1000 * time.Hour // the writer's own timer never fires
	s, _ := openTemp(t, WithUpdateWindow(window), WithLazyWindow(window))
	const k = 1
	recs := createInSlice(t, s, maxWritesPerTx+100, k, time.Now().UTC()) // two transactions at least
	for i, r := range recs {
		recs[i] = nextRev(t, r, i)
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	p := &s.pending
	require.NotZero(t, p.lazySince[k].Load())
	// The oldest write a tenth of a window after the next multiple of it
	// (the writer's own timer never fires before the test's times): the
	// slice's slot a tenth of a window later, well before its limit.
	since := (p.lazySince[k].Load()/int64(window)+1)*int64(window) + int64(window)/10
	p.lazySince[k].Store(since)
	slot := p.at(since).Add(slotWait(k, since, window))
	limit := lazyLimit(p.at(since), slot, window)
	flushAt := func(now time.Time) {
		t.Helper()
		require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { s.flushDue(now); return nil }}))
	}
	written := func() int {
		t.Helper()
		n := 0
		for _, r := range recs {
			if storedRev(t, s, r.ID) == r.Rev {
				n++
			}
		}
		return n
	}

	p.lastLazy.Store(p.clockAt(slot)) // a fan-out goes on at the slot
	flushAt(slot)
	require.Zero(t, written(), "no flush while the pushes arrive")
	require.Equal(t, int64(len(recs)), p.n.Load())

	p.lastLazy.Store(p.clockAt(slot.Add(-p.lull))) // they paused
	pushAt := slot
	s.writeHook = func(time.Duration) { // a push comes during each transaction
		pushAt = pushAt.Add(time.Millisecond)
		p.lastLazy.Store(p.clockAt(pushAt))
	}
	flushAt(slot)
	n := written()
	require.Positive(t, n, "the lull's flush wrote its first transaction")
	require.Less(t, n, len(recs), "and gave way to the pushes")
	require.Equal(t, since, p.lazySince[k].Load(), "the writes left keep their oldest write's time")
	due, _, _, _ := p.lazyDue(pushAt, window)
	require.Zero(t, due, "they wait for the next lull")

	flushAt(limit)
	require.Equal(t, len(recs), written(), "at the limit every write is flushed, pushes or not")
	require.Zero(t, p.n.Load())
	require.Zero(t, p.lazySince[k].Load())
}

// TestEncodeLazy_StopsWhenAFanOutBegins: the records of a lull's flush are
// encoded until a push comes (checked every 32 records), then the
// transaction takes what is encoded; the writes left keep no value, to be
// encoded when they are flushed.
func TestEncodeLazy_StopsWhenAFanOutBegins(t *testing.T) {
	lazy := session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(1000*time.Hour))
	recs := createMany(t, s, 100, time.Now().UTC(), "stop")
	for i, r := range recs {
		require.NoError(t, s.Update(lazy, nextRev(t, r, i)))
	}
	es := s.pending.ordered(allLazy)
	require.Len(t, es, len(recs))
	var sl session.Sealer
	out, taken := s.encodeLazy(&sl, es, func() bool { return true })
	require.Equal(t, 31, taken, "it stops at its first check")
	require.Len(t, out, taken)
	for _, e := range out {
		require.NotNil(t, e.w.value)
	}
	for _, e := range es[taken:] {
		require.Nil(t, e.w.value, "not encoded")
	}
	// The values encoded are committed as they are, with the others.
	require.NoError(t, s.Flush(context.Background(), recs[0].ID))
	for _, r := range recs {
		require.Equal(t, r.Rev+1, storedRev(t, s, r.ID))
	}
}

// TestLazyFlush_APushAfterTheLullWasFoundCommitsNothing: when a lazy write
// comes between the writer finding the pushes paused and the flush's
// commit, the flush commits nothing (a pause inside a fan-out costs it no
// commit, no fsync), and the writes keep their oldest write's time for the
// next lull or their limit.
func TestLazyFlush_APushAfterTheLullWasFoundCommitsNothing(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(1000*time.Hour))
	recs := createMany(t, s, 50, time.Now().UTC(), "seen")
	for i, r := range recs {
		recs[i] = nextRev(t, r, i)
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	var since [lazySlices]int64
	for k := range since {
		since[k] = s.pending.lazySince[k].Load()
	}
	seen := s.pending.lastLazy.Load()
	require.NotZero(t, seen)
	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { return s.flush(allLazy, true, seen-1) }}))
	for _, r := range recs {
		require.Equal(t, r.Rev-1, storedRev(t, s, r.ID), "nothing committed")
	}
	for k := range since {
		require.Equal(t, since[k], s.pending.lazySince[k].Load(), "slice %d keeps its oldest write's time", k)
	}
	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { return s.flush(allLazy, true, seen) }}))
	for _, r := range recs {
		require.Equal(t, r.Rev, storedRev(t, s, r.ID), "no push since: every write committed")
	}
}
