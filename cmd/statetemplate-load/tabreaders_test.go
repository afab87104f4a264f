package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A tab read off its socket shows the ticks its server sends, in order,
// whole or in fragments, and when the server goes away mid-run the tab is
// counted lost.
func TestTabReaders_ReadTicksAndCountALostTab(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx := ws.CloseRead(r.Context()) // reads the pong
		_ = ws.Write(ctx, websocket.MessageText, []byte(readyMessage))
		<-done // the tab is taken over
		_ = ws.Write(ctx, websocket.MessageText, []byte("\x1ettick\x1f#1 · 1"))
		_ = ws.Write(ctx, websocket.MessageText, []byte("\x1eT0\x1f#2 · "+strings.Repeat("x", 200)))
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if ws.Ping(pctx) != nil { // the reader must answer it
			return
		}
		_ = ws.Write(ctx, websocket.MessageText, []byte("\x1eP0\x1f1\x1f1\x1f3"))
	}))
	defer srv.Close()
	c, err := dial(context.Background(), sessionRef{wsURL: "ws" + strings.TrimPrefix(srv.URL, "http")})
	require.NoError(t, err)
	require.NotNil(t, c.tcp, "the dial gives its TCP connection")

	pr, tb, ph := readOneTab(c)
	defer pr.closeTabs()
	if runtime.GOOS == "linux" {
		require.Equal(t, int64(1), tabsTakenOver.Load())
	}
	close(done)
	require.Eventually(t, tb.dead.Load, 10*time.Second, time.Millisecond, "the server's end is seen")
	assert.Equal(t, int64(3), tb.last.Load(), "every tick, in order")
	assert.Equal(t, int64(3), ph.frames.Load())
	assert.Zero(t, ph.badSeq.Load())
	assert.Equal(t, int64(1), ph.lostTab.Load(), "lost while the run goes on")
}

// A tab dialed over TLS (wss) is never taken off its websocket.Conn: its
// socket carries TLS records, not frames. It is read through the Conn and
// still shows every tick.
func TestTabReaders_LeaveATLSTabToItsConn(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ctx := ws.CloseRead(r.Context())
		_ = ws.Write(ctx, websocket.MessageText, []byte(readyMessage))
		<-done
		_ = ws.Write(ctx, websocket.MessageText, []byte("\x1ettick\x1f#1 · 1"))
		_ = ws.Write(ctx, websocket.MessageText, []byte("\x1eT0\x1f#2 · 2"))
	}))
	defer srv.Close()
	tr := dialClient.Transport.(*http.Transport)
	prev := tr.TLSClientConfig
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	defer func() { tr.TLSClientConfig = prev }()
	c, err := dial(context.Background(), sessionRef{wsURL: "wss" + strings.TrimPrefix(srv.URL, "https")})
	require.NoError(t, err)
	assert.Nil(t, c.tcp, "a TLS connection is not the dial's to give")

	pr, tb, ph := readOneTab(c)
	defer pr.closeTabs()
	assert.Zero(t, tabsTakenOver.Load(), "read through its websocket.Conn")
	close(done)
	require.Eventually(t, tb.dead.Load, 10*time.Second, time.Millisecond, "the server's end is seen")
	assert.Equal(t, int64(2), tb.last.Load(), "every tick, in order")
	assert.Equal(t, int64(2), ph.frames.Load())
	assert.Zero(t, ph.badSeq.Load())
}

// A frame the server sent before the tab was taken over, which its
// websocket.Conn read ahead into its buffer with the frames the tool read
// through it, is not lost: here the upgrade, the ready message and the
// first tick arrive in one write. Such a tab stays with its Conn.
func TestTabReaders_LoseNoFrameTheConnBuffered(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- nil
			return
		}
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			c.Close()
			served <- nil
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		out := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n")
		out = append(out, frame(true, 1, readyMessage)...)
		out = append(out, frame(true, 1, "\x1ettick\x1f#1 · 1")...)
		_, _ = c.Write(out)
		served <- c
	}()
	c, err := dial(context.Background(), sessionRef{wsURL: "ws://" + ln.Addr().String() + "/ws"})
	require.NoError(t, err)
	sc := <-served
	require.NotNil(t, sc)
	defer sc.Close()

	pr, tb, ph := readOneTab(c)
	defer pr.closeTabs()
	_, err = sc.Write(frame(true, 1, "\x1eT0\x1f#2 · 2"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return tb.last.Load() == 2 || tb.dead.Load() }, 10*time.Second, time.Millisecond)
	assert.False(t, tb.dead.Load())
	assert.Equal(t, int64(2), ph.frames.Load(), "both ticks, the one the Conn had read ahead too")
	assert.Zero(t, ph.badSeq.Load())
}

// readOneTab starts a push run's readers on the one tab whose connection
// is c, counting into a phase of 10 ticks from the first; the caller
// closes the run's tabs.
func readOneTab(c *conn) (*pushRun, *tab, *pushPhase) {
	ctx, cancel := context.WithCancel(context.Background())
	pr := &pushRun{ctx: ctx, cancel: cancel}
	tb := &tab{ws: c}
	pr.tabs = []*tab{tb}
	ph := newPushPhase(1, 10, 1, 1)
	pr.phase.Store(ph)
	pr.startReaders()
	return pr, tb, ph
}
