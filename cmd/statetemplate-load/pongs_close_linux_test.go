package main

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A server that goes away while its tab owes it pongs (its socket full,
// the tab waiting for it to be writable) loses the tab: the reader
// neither writes on nor waits for a socket that will never take them,
// and closing the readers afterwards ends them (main_test's goleak).
func TestTabReaders_AServerGoneWhileAPongWaitsLosesTheTab(t *testing.T) {
	const pings = 2000 // 262 kB of pongs, through buffers of a few kB
	c, sc := dialThroughSmallBuffers(t)

	pr, tb, _ := readOneTab(c)
	defer pr.closeTabs()
	require.Equal(t, int64(1), tabsTakenOver.Load())
	var out []byte
	for i := range pings {
		out = append(out, frame(true, 0x9, fmt.Sprintf("ping %04d %0115d", i, 0))...)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := sc.Write(append(out, frame(true, 1, "\x1ettick\x1f#1 · 1")...))
		wrote <- err
	}()
	require.NoError(t, <-wrote)
	require.Eventually(t, func() bool { return tb.last.Load() == 1 || tb.dead.Load() }, 10*time.Second, time.Millisecond)
	require.False(t, tb.dead.Load(), "the tab read every ping, owing most of their pongs")

	// The server goes, its unread pongs in its buffer: a reset.
	require.NoError(t, sc.(*net.TCPConn).SetLinger(0))
	require.NoError(t, sc.Close())
	require.Eventually(t, tb.dead.Load, 10*time.Second, time.Millisecond, "the tab is lost")
}
