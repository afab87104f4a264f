// Package livetest drives a package live App from tests as a browser tab
// does: it loads the page with a cookie jar of its own, opens the
// WebSocket with the page's tab reference, and reads what the server
// sends. The client script is not run: tests send actions as JSON.
package livetest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/testlog"
	"github.com/livefir/statetemplate/live"
)

// timeout bounds every read and write.
const timeout = 10 * time.Second

var refRE = regexp.MustCompile(`data-ref="([^"]+)"`)

// Tab is a page loaded from a server and connected to it.
type Tab struct {
	WS   *websocket.Conn
	Page string // the HTML the page load returned
	dec  live.Decoder
}

// Open loads the page at base+"/" as a new browser would, connects its
// WebSocket with header added to the handshake, and reads the ready
// message. The connection is closed when t ends.
func Open(t testing.TB, base string, header http.Header) *Tab {
	t.Helper()
	return OpenWith(t, base, websocket.DialOptions{HTTPHeader: header})
}

// OpenWith is Open with the WebSocket's dial options: a compression mode
// to offer, an HTTP client that measures the connection
// (internal/wirebytes).
func OpenWith(t testing.TB, base string, opts websocket.DialOptions) *Tab {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar, Timeout: timeout}
	resp, err := hc.Get(base + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	m := refRE.FindStringSubmatch(string(body))
	require.NotNil(t, m, "the page has no tab reference")
	u, err := url.Parse(base)
	require.NoError(t, err)
	var cookies []string
	for _, c := range jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	h := opts.HTTPHeader.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Cookie", strings.Join(cookies, "; "))
	opts.HTTPHeader = h
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws?v="+strconv.Itoa(live.ProtocolVersion)+"&ref="+url.QueryEscape(m[1])+"&url=%2F", &opts)
	require.NoError(t, err)
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	tab := &Tab{WS: ws, Page: string(body)}
	tab.dec.Page(tab.Page) // the page the server builds html from (get records)
	require.Equal(t, `{"v":`+strconv.Itoa(live.ProtocolVersion)+`}`, string(tab.NextRaw(t)), "the first message is the ready message")
	return tab
}

// Send sends the action message msg, a JSON object.
func (tb *Tab) Send(t testing.TB, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	require.NoError(t, tb.WS.Write(ctx, websocket.MessageText, []byte(msg)))
}

// NextRaw returns the next message the server sent, as it came. A batch
// still goes through the tab's decoder, for the batches after it, which
// may name what it sent (wire version 4).
func (tb *Tab) NextRaw(t testing.TB) []byte {
	t.Helper()
	b := tb.read(t)
	if len(b) > 0 && b[0] != '{' {
		_, err := tb.dec.Decode(b)
		require.NoError(t, err)
	}
	return b
}

func (tb *Tab) read(t testing.TB) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := tb.WS.Read(ctx)
	require.NoError(t, err)
	return b
}

// Message is one message from the server: a batch of updates, which may
// end with an action's acknowledgment, or a reply.
type Message struct {
	Updates []statetemplate.Update
	Ack     int64                      // the acknowledgment a batch ends with, 0 when none
	Reply   map[string]json.RawMessage // nil for a batch of updates
}

// HTML joins the HTML of the message's updates.
func (m Message) HTML() string {
	var b strings.Builder
	for _, u := range m.Updates {
		b.WriteString(u.HTML)
	}
	return b.String()
}

// Next returns the next message the server sent, decoded.
func (tb *Tab) Next(t testing.TB) Message {
	t.Helper()
	b := tb.read(t)
	var m Message
	if len(b) > 0 && b[0] != '{' {
		batch, err := tb.dec.Decode(b)
		require.NoError(t, err)
		m.Updates, m.Ack = batch.Updates, batch.Ack
	} else {
		require.NoError(t, json.Unmarshal(b, &m.Reply), "%s", b)
	}
	return m
}

// NextUpdates returns the next message, which must be a batch of updates.
func (tb *Tab) NextUpdates(t testing.TB) Message {
	t.Helper()
	m := tb.Next(t)
	require.Nil(t, m.Reply, "want updates, got a reply %v", m.Reply)
	return m
}

// Logger returns a logger writing text records, every level, to a new
// buffer the test may read while the App writes to it.
func Logger() (*slog.Logger, *testlog.Buffer) {
	l := &testlog.Buffer{}
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})), l
}

// ProcessCPU returns the CPU time, user and system, this process has used.
// Benchmarks on a shared machine report it per operation: unlike the wall
// time, other processes' load does not inflate it much.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
