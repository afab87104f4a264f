package live

import (
	"sync/atomic"
	"time"
)

// writeWatch is a connection's watchdog over its writes: fire runs once a
// write has lasted timeout. A timer per write (armed before it, stopped
// after) would cost a timer heap insertion and removal per frame; the
// watchdog's timer is armed by the first write after it went idle, and
// when it fires it closes a write that started a timeout ago or waits for
// the one in progress, so a connection writing steadily costs it a few
// atomic operations per frame and one timer per timeout.
type writeWatch struct {
	timeout time.Duration
	fire    func()
	timer   *time.Timer
	// started is the current write's start (on the clock of since), 0
	// between writes, and fired once the watchdog fired on it; armed is
	// set while the timer is pending.
	started atomic.Int64
	armed   atomic.Bool
}

// fired is started's value once the watchdog fired on the write.
const fired = -1

// clockStart is the origin of the watchdogs' monotonic clock.
var clockStart = time.Now()

// since is the monotonic time since clockStart, never 0.
func since() int64 { return int64(time.Since(clockStart)) + 1 }

func newWriteWatch(timeout time.Duration, fire func()) *writeWatch {
	w := &writeWatch{timeout: timeout, fire: fire}
	w.timer = time.AfterFunc(time.Hour, w.check)
	w.timer.Stop()
	return w
}

// begin marks the start of a write.
func (w *writeWatch) begin() {
	w.started.Store(since())
	if !w.armed.Load() && w.armed.CompareAndSwap(false, true) {
		w.timer.Reset(w.timeout)
	}
}

// end marks the end of a write; it reports false when the write outlasted
// the timeout and fire ran (or runs).
func (w *writeWatch) end() bool {
	return w.started.Swap(0) != fired
}

// check runs when the timer fires: it fires on a write that started a
// timeout ago, waits for the end of a younger one, and goes idle between
// writes (the next begin arms the timer again). armed is cleared before
// started is read, so that a write beginning meanwhile either is seen
// here or arms the timer itself.
func (w *writeWatch) check() {
	w.armed.Store(false)
	start := w.started.Load()
	if start == 0 || start == fired {
		return
	}
	if left := time.Duration(start + int64(w.timeout) - since()); left > 0 {
		if w.armed.CompareAndSwap(false, true) {
			w.timer.Reset(left)
		}
		return
	}
	if w.started.CompareAndSwap(start, fired) { // the write has not ended
		w.fire()
	}
}

// stop stops the timer once the connection writes no more.
func (w *writeWatch) stop() { w.timer.Stop() }
