package main

import (
	"bytes"
	"net"
	"sync/atomic"
	"syscall"
)

// countedConn is a dialed TCP connection that counts the bytes read from
// it, and finds where the HTTP response to the upgrade ends, so that the
// readers that take a tab's socket over (tabReaders) know whether its
// websocket.Conn has read ahead of the frames the tool read through it:
// bytes it keeps in its buffers would be lost with it.
type countedConn struct {
	net.Conn
	read atomic.Int64 // bytes read from the socket
	head atomic.Int64 // bytes of the HTTP response's head; 0 until its end was read
	seen []byte       // the bytes read until the head's end (at most maxHead)
}

// maxHead bounds the bytes kept to find the end of the upgrade's response.
const maxHead = 16 << 10

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		at := c.read.Add(int64(n)) - int64(n)
		if c.head.Load() == 0 && at < maxHead {
			c.seen = append(c.seen, p[:n]...)
			if i := bytes.Index(c.seen, []byte("\r\n\r\n")); i >= 0 {
				c.head.Store(int64(i + 4))
				c.seen = nil
			}
		}
	}
	return n, err
}

// SyscallConn gives the socket's descriptor (see tabReaders.take).
func (c *countedConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, syscall.EINVAL
	}
	return sc.SyscallConn()
}

// drained reports whether the bytes read from the socket are exactly the
// upgrade's response and frames bytes long: nothing was read that the
// tool has not had through its websocket.Conn. frames is the least the
// frames of the messages the tool read take (frameLen): a server that
// frames them otherwise, or a control frame the Conn read, makes the
// socket's count larger, and the tab is not taken over.
func (c *countedConn) drained(frames int64) bool {
	h := c.head.Load()
	return h > 0 && c.read.Load() == h+frames
}

// frameLen is the length of the frame of a server's message of n bytes,
// in one unmasked frame.
func frameLen(n int) int64 {
	switch {
	case n < 126:
		return int64(2 + n)
	case n < 1<<16:
		return int64(4 + n)
	default:
		return int64(10 + n)
	}
}
