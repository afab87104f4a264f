package bolt

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
