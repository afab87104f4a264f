package live_test

import (
	"bufio"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate/internal/heaptest"
	"github.com/livefir/statetemplate/live"
)

// BenchmarkCompression_HeapPerConnection measures the server's live heap
// per open connection that has been sent one compressed update, for each
// compression mode. The clients are bare TCP connections that offer
// permessage-deflate and read frames without inflating them, so the
// figure is the server's alone (pages, sessions and connections
// included: compare the modes).
//
//	go test -run '^$' -bench HeapPerConnection -benchtime 1x ./live
func BenchmarkCompression_HeapPerConnection(b *testing.B) {
	const conns = 100
	for _, mode := range []struct {
		name string
		mode websocket.CompressionMode
	}{
		{"ContextTakeover", websocket.CompressionContextTakeover},
		{"NoContextTakeover", websocket.CompressionNoContextTakeover},
		{"Disabled", websocket.CompressionDisabled},
	} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				ts := newTestServer(b, live.WithCompression(mode.mode), live.WithMaxConnectionsPerBrowser(0), live.WithPageRateLimit(0, 1))
				before := heaptest.Live()
				open := make([]net.Conn, 0, conns)
				for range conns {
					open = append(open, noteOverRawSocket(b, ts))
				}
				after := heaptest.Live()
				b.ReportMetric(float64(after-before)/conns, "heap-B/conn")
				for _, c := range open {
					c.Close()
				}
			}
		})
	}
}

// noteOverRawSocket loads a page, opens its WebSocket offering
// permessage-deflate, sends a note of 300 bytes and reads the update's
// frame without inflating it.
func noteOverRawSocket(b testing.TB, ts *testServer) net.Conn {
	br := newBrowser(b)
	ref, _ := br.load(ts.URL)
	conn, rd := rawHandshake(b, ts.URL, "/ws?v="+strconv.Itoa(live.ProtocolVersion)+"&ref="+url.QueryEscape(ref), br.cookieHeader(ts.URL),
		"Sec-WebSocket-Extensions: permessage-deflate")
	skipFrame(b, rd) // ready
	msg := `{"action":"note","text":"` + strings.Repeat("abcdefghij", 30) + `"}`
	// A masked text frame, with a zero mask: the payload as it is.
	frame := append([]byte{0x81, 0x80 | 126, byte(len(msg) >> 8), byte(len(msg)), 0, 0, 0, 0}, msg...)
	if _, err := conn.Write(frame); err != nil {
		b.Fatal(err)
	}
	skipFrame(b, rd) // the update
	return conn
}

// skipFrame reads one server frame and drops it.
func skipFrame(b testing.TB, rd *bufio.Reader) {
	var h [2]byte
	if _, err := io.ReadFull(rd, h[:]); err != nil {
		b.Fatal(err)
	}
	n := int64(h[1] & 0x7f)
	if n == 126 {
		var l [2]byte
		if _, err := io.ReadFull(rd, l[:]); err != nil {
			b.Fatal(err)
		}
		n = int64(l[0])<<8 | int64(l[1])
	}
	if _, err := io.CopyN(io.Discard, rd, n); err != nil {
		b.Fatal(err)
	}
}
