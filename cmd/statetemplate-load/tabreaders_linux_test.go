package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A tab read off its socket answers its server's pings even when its
// socket cannot take the pongs at once: here the server sends pings while
// it reads nothing, through small socket buffers, so the tab's writes
// would block long before the last pong. Once the server reads, it gets
// whole, well-formed pongs, in order, the last one answering its last
// ping (a tab may skip the answers to earlier pings it had not started
// sending, as RFC 6455 5.5.3 allows), and the tab reads on.
func TestTabReaders_FinishThePongsASocketCouldNotTakeAtOnce(t *testing.T) {
	const pings = 2000
	c, sc := dialThroughSmallBuffers(t)

	pr, tb, ph := readOneTab(c)
	defer pr.closeTabs()
	require.Equal(t, int64(1), tabsTakenOver.Load())
	payload := func(i int) string { return fmt.Sprintf("ping %04d %0115d", i, 0) } // 125 bytes, the most a ping carries
	wrote := make(chan error, 1)
	go func() {
		var out []byte
		for i := range pings {
			out = append(out, frame(true, 0x9, payload(i))...)
		}
		// The tick after the pings: once the tab shows it, it has seen
		// every ping and tried to answer it.
		_, err := sc.Write(append(out, frame(true, 1, "\x1ettick\x1f#1 · 1")...))
		wrote <- err
	}()
	require.NoError(t, <-wrote)
	require.Eventually(t, func() bool { return tb.last.Load() == 1 || tb.dead.Load() }, 10*time.Second, time.Millisecond)
	require.False(t, tb.dead.Load(), "the tab is read on")

	// Only now does the server read: the pongs its socket could not hold
	// were waiting in the tab's.
	require.NoError(t, sc.SetReadDeadline(time.Now().Add(10*time.Second)))
	br := bufio.NewReader(sc)
	last, n := -1, 0
	for last != pings-1 {
		p, err := readPong(br)
		require.NoError(t, err, "after %d whole pongs, the last answering ping %d", n, last)
		var i int
		_, err = fmt.Sscanf(p, "ping %d", &i)
		require.NoError(t, err, "pong payload %q", p)
		require.Equal(t, payload(i), p, "a pong carries its ping's payload")
		require.Greater(t, i, last, "pongs in the order of their pings")
		last = i
		n++
	}
	t.Logf("%d pings, %d pongs", pings, n)

	_, err := sc.Write(frame(true, 1, "\x1eT0\x1f#2 · 2"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return tb.last.Load() == 2 || tb.dead.Load() }, 10*time.Second, time.Millisecond)
	assert.False(t, tb.dead.Load())
	assert.Equal(t, int64(2), ph.frames.Load())
	assert.Zero(t, ph.badSeq.Load())
}

// dialThroughSmallBuffers connects a tab to a raw WebSocket server whose
// socket receives, and the tab's sends, through buffers of 4 kB, so that a
// few dozen pongs the server does not read fill both: the tab and the
// server's end of the connection, closed when the test ends.
func dialThroughSmallBuffers(t *testing.T) (*conn, net.Conn) {
	t.Helper()
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
	t.Cleanup(func() { sc.Close() })
	rc, err := c.tcp.(*countedConn).SyscallConn()
	require.NoError(t, err)
	require.NoError(t, rc.Control(func(fd uintptr) {
		require.NoError(t, syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096))
	}))
	return c, sc
}

// acceptRawWebSocket accepts one connection on ln and answers its
// WebSocket upgrade and the ready message itself, so that the test owns
// every byte on the socket after that; nil when that fails.
func acceptRawWebSocket(ln net.Listener) net.Conn {
	c, err := ln.Accept()
	if err != nil {
		return nil
	}
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		c.Close()
		return nil
	}
	h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	out := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n")
	if _, err := c.Write(append(out, frame(true, 1, readyMessage)...)); err != nil {
		c.Close()
		return nil
	}
	return c
}

// readPong reads one frame a client sent and returns its payload, or an
// error when it is not a whole, masked, final pong.
func readPong(r *bufio.Reader) (string, error) {
	var head [2]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return "", err
	}
	if head[0] != 0x8a || head[1]&0x80 == 0 || head[1]&0x7f > 125 {
		return "", fmt.Errorf("not a masked pong: header % x", head)
	}
	b := make([]byte, 4+int(head[1]&0x7f))
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	key, p := b[:4], b[4:]
	for i := range p {
		p[i] ^= key[i%4]
	}
	return string(p), nil
}
