// Package wirebytes measures what a WebSocket client receives as it
// crossed the network: the payload bytes of each message's frames after
// permessage-deflate, which is what the page's connection pays for. Its
// Client dials with github.com/coder/websocket through a connection that
// records every byte read, and parses the server's frames from them.
//
// It is test code's: the size figures of BENCHMARKS.md come from it.
package wirebytes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// Message is one message the server sent, as it crossed the network.
type Message struct {
	Text       bool // a text message (else binary, or a control frame)
	Control    bool // a control frame: close, ping or pong
	Compressed bool // sent with permessage-deflate (RSV1)
	Payload    int  // bytes of its frames' payloads
	Frames     int
}

// Recorder records the bytes a connection reads.
type Recorder struct {
	mu  sync.Mutex
	buf []byte
}

// HTTPClient returns a client whose connections record what they read
// into r. Give it to websocket.DialOptions.HTTPClient.
func (r *Recorder) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &conn{Conn: c, r: r}, nil
		},
	}}
}

type conn struct {
	net.Conn
	r *Recorder
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.r.mu.Lock()
	c.r.buf = append(c.r.buf, p[:n]...)
	c.r.mu.Unlock()
	return n, err
}

// Dial opens a WebSocket to url with opts, recording what it reads.
func (r *Recorder) Dial(ctx context.Context, url string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	o := websocket.DialOptions{}
	if opts != nil {
		o = *opts
	}
	o.HTTPClient = r.HTTPClient()
	return websocket.Dial(ctx, url, &o)
}

// ErrTruncated is returned by Messages while a frame has not fully
// arrived.
var ErrTruncated = errors.New("wirebytes: a frame has not fully arrived")

// Messages parses the server's messages from what was read so far: the
// bytes after the handshake's response header, as frames.
func (r *Recorder) Messages() ([]Message, error) {
	r.mu.Lock()
	b := append([]byte(nil), r.buf...)
	r.mu.Unlock()
	i := indexHeaderEnd(b)
	if i < 0 {
		return nil, fmt.Errorf("%w: the handshake response", ErrTruncated)
	}
	b = b[i:]
	var out []Message
	var cur *Message
	for len(b) > 0 {
		if len(b) < 2 {
			return out, ErrTruncated
		}
		fin, rsv1, op := b[0]&0x80 != 0, b[0]&0x40 != 0, b[0]&0x0f
		masked, n, h := b[1]&0x80 != 0, int(b[1]&0x7f), 2
		switch n {
		case 126:
			if len(b) < 4 {
				return out, ErrTruncated
			}
			n, h = int(b[2])<<8|int(b[3]), 4
		case 127:
			if len(b) < 10 {
				return out, ErrTruncated
			}
			n = 0
			for _, c := range b[2:10] {
				n = n<<8 | int(c)
			}
			h = 10
		}
		if masked {
			h += 4
		}
		if len(b) < h+n {
			return out, ErrTruncated
		}
		b = b[h+n:]
		if op >= 8 { // control frames may come between a message's frames
			out = append(out, Message{Control: true, Payload: n, Frames: 1})
			continue
		}
		if cur == nil {
			out = append(out, Message{Text: op == 1, Compressed: rsv1})
			cur = &out[len(out)-1]
		}
		cur.Payload += n
		cur.Frames++
		if fin {
			cur = nil
		}
	}
	return out, nil
}

// Data returns the data messages of Messages, without control frames.
func (r *Recorder) Data() ([]Message, error) {
	all, err := r.Messages()
	var out []Message
	for _, m := range all {
		if !m.Control {
			out = append(out, m)
		}
	}
	return out, err
}

func indexHeaderEnd(b []byte) int {
	for i := 0; i+4 <= len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' && b[i+2] == '\r' && b[i+3] == '\n' {
			return i + 4
		}
	}
	return -1
}
