package plan

import "sync/atomic"

// cacheUse decides whether a unit's HTML is worth looking up in the shared
// cache. A lookup costs a key (a digest of the inputs) and a Get, and a
// miss a Set besides, which ristretto hands to its own goroutine; it pays
// when other renders made the same HTML: a table cell every tab of a push
// shows. A part that reads what only its own session has (its session id)
// or what changes on every render (the time) misses every time, and its
// lookups only cost: after a window of lookups without a hit, the unit's
// next lookups are skipped (the part runs, and is not Set), then it is
// tried again. Skipping a lookup changes the cost of a render, never its
// output. The zero value looks up; it is safe for concurrent use, and its
// counts are approximate under races, which costs a lookup at most.
type cacheUse struct {
	lookups, hits atomic.Int32 // in the current window
	skip          atomic.Int32 // lookups left to skip
}

// The windows are variables for the property tests, which make them
// short so that their renders go through both phases (smallCacheUse).
var (
	// cacheUseWindow is how many lookups are judged together.
	cacheUseWindow = 64
	// cacheUseSkip is how many lookups a window without a hit skips.
	cacheUseSkip = 16 * cacheUseWindow
)

// try reports whether to look the unit up this time.
func (c *cacheUse) try() bool {
	if c.skip.Load() <= 0 {
		return true
	}
	c.skip.Add(-1)
	return false
}

// note records the outcome of a lookup.
func (c *cacheUse) note(hit bool) {
	if hit {
		c.hits.Add(1)
	}
	if c.lookups.Add(1) < int32(cacheUseWindow) {
		return
	}
	c.lookups.Store(0)
	if c.hits.Swap(0) == 0 {
		c.skip.Store(int32(cacheUseSkip))
	}
}
