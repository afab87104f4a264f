package live

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteWatch_FiresOnAWriteThatOutlastsTheTimeout(t *testing.T) {
	fired := make(chan struct{})
	w := newWriteWatch(20*time.Millisecond, func() { close(fired) })
	defer w.stop()
	w.begin()
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("a write stuck past the timeout was not fired on")
	}
	assert.False(t, w.end(), "the write reports it outlasted the timeout")
}

// Writes that each end within the timeout are never fired on, however
// long the connection writes: the watchdog follows the write in progress.
func TestWriteWatch_NeverFiresOnWritesThatEachEndInTime(t *testing.T) {
	const timeout = 500 * time.Millisecond
	// A write here takes a millisecond; on a starved machine one can take
	// a timeout, and the watch rightly fires on it. Such a run proves
	// nothing: run again (up to three runs) until no write took that long.
	for run := 1; ; run++ {
		fires, longest := shortWrites(t, timeout)
		if longest < timeout {
			assert.Zero(t, fires, "no write outlasted the timeout (the longest took %v)", longest)
			return
		}
		require.Less(t, run, 3, "every run had a write outlast the timeout (the machine stalled %v)", longest)
	}
}

// shortWrites writes for three timeouts, a millisecond each, and returns
// how many times the watch fired and the longest write as its caller saw
// it (never shorter than the watch saw it).
func shortWrites(t *testing.T, timeout time.Duration) (int32, time.Duration) {
	var fires atomic.Int32
	w := newWriteWatch(timeout, func() { fires.Add(1) })
	defer w.stop()
	var longest time.Duration
	deadline := time.Now().Add(3 * timeout) // the timer fires twice or more meanwhile
	for time.Now().Before(deadline) {
		start := time.Now()
		w.begin()
		time.Sleep(time.Millisecond)
		ended := w.end()
		longest = max(longest, time.Since(start))
		if longest < timeout {
			require.True(t, ended)
		}
	}
	require.Eventually(t, func() bool { return !w.armed.Load() }, 10*time.Second, time.Millisecond, "the timer's last run finds no write")
	return fires.Load(), longest
}

// After an idle spell (the timer went idle), the next write arms it
// again: a write stuck then is still fired on.
func TestWriteWatch_ArmsAgainAfterIdling(t *testing.T) {
	fired := make(chan struct{})
	w := newWriteWatch(20*time.Millisecond, func() { close(fired) })
	defer w.stop()
	w.begin()
	require.True(t, w.end())
	require.Eventually(t, func() bool { return !w.armed.Load() }, 10*time.Second, time.Millisecond, "the timer fires on no write and goes idle")
	w.begin()
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("a write after an idle spell was not watched")
	}
	assert.False(t, w.end())
}
