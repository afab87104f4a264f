// Package testclock is a settable clock for tests: a renderer, a session
// manager or a store given its Now sees time move only when the test
// advances it. It is safe for concurrent use.
package testclock

import (
	"sync/atomic"
	"time"
)

// Clock is a settable clock; New makes one.
type Clock struct{ ns atomic.Int64 }

// New returns a clock that reads t until it is advanced.
func New(t time.Time) *Clock {
	c := &Clock{}
	c.ns.Store(t.UnixNano())
	return c
}

// Now returns the clock's time, in UTC.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Advance moves the clock d forward.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
