package bolt

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// TestLazySlot_HoldsForEveryPositiveWindow: whatever lazy window
// WithLazyWindow accepts — shorter than five nanoseconds (the slices share
// slots), or so long that k fifths of it, or the write's time plus it, are
// past what an int64 of nanoseconds holds — a slice's slot is at or after
// the write and less than one lazy window after it.
func TestLazySlot_HoldsForEveryPositiveWindow(t *testing.T) {
	now := time.Date(2026, 12, 2, 7, 0, 0, 123_456_789, time.UTC).UnixNano()
	windows := []time.Duration{
		1, 3, 4, 7, time.Millisecond, time.Second, time.Hour,
		100 * 365 * 24 * time.Hour, // k fifths of it pass the time since 1970
		250 * 365 * 24 * time.Hour, // the write's time plus it overflows
		math.MaxInt64,
	}
	for _, w := range windows {
		for _, since := range []int64{now, now + 1, now + int64(w%1000), 1} {
			for k := range lazySlices {
				at := time.Unix(0, since)
				slot := lazySlot(k, since, w)
				require.False(t, slot.Before(at), "window %v, slice %d: never before the write (%v, slot %v)", w, k, at, slot)
				require.True(t, slot.Before(at.Add(w)), "window %v, slice %d: within one window (%v, slot %v)", w, k, at, slot)
			}
		}
	}
}

// TestPendingDeadlines_AreOnTheMonotonicClock: the times the writer arms
// its timer for, decides which slices are due by, and Update holds
// overdue writes by carry a monotonic clock reading (time.Time's "m="),
// so that a wall clock that jumps (NTP, a VM resumed) neither delays a
// write past its window — set back an hour, a write read as queued an
// hour ahead waited that hour more — nor makes every write overdue at
// once, holding every Update until the writer's next flush.
func TestPendingDeadlines_AreOnTheMonotonicClock(t *testing.T) {
	var p pendingSet
	p.init()
	eager, lazy := session.NewID(), session.NewID()
	for _, w := range []struct {
		id   session.ID
		lazy bool
	}{{eager, false}, {lazy, true}} {
		sh := p.shard(w.id)
		sh.mu.Lock()
		p.put(sh, w.id, &pendingWrite{rec: &session.Record{ID: w.id}, lazy: w.lazy})
		sh.mu.Unlock()
	}
	queued, ok := p.queuedDeadline(time.Second)
	require.True(t, ok)
	lazyDue, ok := p.lazyDeadline(time.Hour)
	require.True(t, ok)
	_, _, slot, ok := p.lazyDue(time.Now(), time.Hour)
	require.True(t, ok)
	flushAt, ok := p.flushDeadline(time.Now(), time.Second, time.Hour)
	require.True(t, ok)
	overdue, ok := p.nextDeadline(time.Second, time.Hour)
	require.True(t, ok)
	for name, due := range map[string]time.Time{
		"queued": queued, "lazy": lazyDue, "slot": slot, "flush": flushAt, "overdue": overdue,
	} {
		require.Contains(t, due.String(), " m=", "%s: %v carries no monotonic reading", name, due)
	}
}
