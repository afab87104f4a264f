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
	var fires atomic.Int32
	const timeout = 500 * time.Millisecond
	w := newWriteWatch(timeout, func() { fires.Add(1) })
	defer w.stop()
	deadline := time.Now().Add(3 * timeout) // the timer fires twice or more meanwhile
	for time.Now().Before(deadline) {
		w.begin()
		time.Sleep(time.Millisecond)
		require.True(t, w.end())
	}
	require.Eventually(t, func() bool { return !w.armed.Load() }, 10*time.Second, time.Millisecond, "the timer's last run finds no write")
	assert.Zero(t, fires.Load())
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
