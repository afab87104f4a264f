package bolt

import "time"

// lazyLull is how long no lazy write may have come before the writer
// counts the lazy writes as paused: a push's fan-out has ended. A slice
// whose slot comes while pushes are still arriving is flushed at the
// lull that follows, not during the fan-out, whose cores it would take
// (see lazyDue); lazyLimit bounds how long it waits for one.
const lazyLull = 20 * time.Millisecond

// lazyReserveDiv sets how much of a lazy window the writer keeps in
// reserve before the window ends: a slice waiting for a lull is flushed
// anyway a twentieth of a window before its oldest write is a window old,
// so that the flush takes the writes before Update counts them overdue
// (holdWhileOverdue) and stops the pushes.
const lazyReserveDiv = 20

// lazyLimit returns the latest time at which the writer flushes a slice
// whose oldest write waiting was accepted at since and whose slot is
// slot (at or after since, less than window after it): a twentieth of
// window before since plus window, and never before the slot. So a slice
// waits for a lull at most until then, and every lazy write is taken by a
// flush less than one lazy window after it was accepted, lull or not.
func lazyLimit(since, slot time.Time, window time.Duration) time.Time {
	limit := since.Add(window - window/lazyReserveDiv)
	if limit.Before(slot) {
		return slot
	}
	return limit
}

// noteLazy records that a lazy write came at now (a reading of clock),
// so that the writer knows the pushes have not paused. It stores at most
// once a millisecond: the fan-out's workers share the word.
func (p *pendingSet) noteLazy(now int64) {
	if now-p.lastLazy.Load() >= int64(time.Millisecond) {
		p.lastLazy.Store(now)
	}
}

// quietFrom returns when the current lull of lazy writes begins (or
// began): lazyLull after the last lazy write; the zero time when none
// came.
func (p *pendingSet) quietFrom() time.Time {
	last := p.lastLazy.Load()
	if last == 0 {
		return time.Time{}
	}
	return p.at(last).Add(p.lull)
}
