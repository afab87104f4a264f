package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
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
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan net.Conn, 1)
	go func() { served <- acceptRawWebSocket(ln) }()
	c, err := dial(context.Background(), sessionRef{wsURL: "ws://" + ln.Addr().String() + "/ws"})
	require.NoError(t, err)
	sc := <-served
	require.NotNil(t, sc)
	defer sc.Close()
	rc, err := c.tcp.(*countedConn).SyscallConn()
	require.NoError(t, err)
	require.NoError(t, rc.Control(func(fd uintptr) {
		require.NoError(t, syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096))
	}))

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
