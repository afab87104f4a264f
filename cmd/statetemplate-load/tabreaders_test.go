package main

import (
	"context"
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

	ctx, cancel := context.WithCancel(context.Background())
	pr := &pushRun{ctx: ctx, cancel: cancel}
	tb := &tab{ws: c}
	pr.tabs = []*tab{tb}
	ph := newPushPhase(1, 10, 1, 1)
	pr.phase.Store(ph)
	pr.startReaders()
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

	ctx, cancel := context.WithCancel(context.Background())
	pr := &pushRun{ctx: ctx, cancel: cancel}
	tb := &tab{ws: c}
	pr.tabs = []*tab{tb}
	ph := newPushPhase(1, 10, 1, 1)
	pr.phase.Store(ph)
	pr.startReaders()
	defer pr.closeTabs()
	assert.Zero(t, tabsTakenOver.Load(), "read through its websocket.Conn")
	close(done)
	require.Eventually(t, tb.dead.Load, 10*time.Second, time.Millisecond, "the server's end is seen")
	assert.Equal(t, int64(2), tb.last.Load(), "every tick, in order")
	assert.Equal(t, int64(2), ph.frames.Load())
	assert.Zero(t, ph.badSeq.Load())
}
