package live_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/wirebytes"
	"github.com/livefir/statetemplate/live"
)

// dialRecorded opens the tab's WebSocket offering mode, recording what
// crosses the network. It speaks version 2, whose batches carry every
// text whole, so that what the tests see is the compressor's work (version
// 3 would send the second of two similar texts as a splice).
func (b *browser) dialRecorded(base, ref string, mode websocket.CompressionMode) (*websocket.Conn, *http.Response, *wirebytes.Recorder) {
	b.t.Helper()
	rec := &wirebytes.Recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws?v=2&ref=" + url.QueryEscape(ref)
	ws, resp, err := rec.Dial(ctx, u, &websocket.DialOptions{
		CompressionMode: mode,
		HTTPHeader:      http.Header{"Cookie": {b.cookieHeader(base)}},
	})
	require.NoError(b.t, err)
	b.t.Cleanup(func() { ws.CloseNow() })
	_, ready, err := ws.Read(ctx)
	require.NoError(b.t, err)
	require.Equal(b.t, `{"v":2}`, string(ready), "a client of version 2 is served in version 2")
	return ws, resp, rec
}

// noteTwice sends two long notes of random letters that differ in their
// last character, and returns the wire size of each update.
func noteTwice(t *testing.T, ws *websocket.Conn, rec *wirebytes.Recorder) (first, second wirebytes.Message) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(1, 2))
	letters := make([]byte, 900)
	for i := range letters {
		letters[i] = 'a' + byte(rnd.IntN(26))
	}
	long := string(letters)
	send(t, ws, `{"action":"note","text":"`+long+`1"}`)
	require.Equal(t, long+"1", mustRead(t, ws).html())
	send(t, ws, `{"action":"note","text":"`+long+`2"}`)
	require.Equal(t, long+"2", mustRead(t, ws).html())
	msgs, err := rec.Data()
	require.NoError(t, err)
	require.Len(t, msgs, 3, "ready and two updates")
	return msgs[1], msgs[2]
}

func TestCompression_IsNegotiatedWithContextTakeoverByDefault(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws, resp, rec := b.dialRecorded(ts.URL, ref, websocket.CompressionContextTakeover)
	assert.Equal(t, "permessage-deflate", resp.Header.Get("Sec-WebSocket-Extensions"), "no no_context_takeover")

	first, second := noteTwice(t, ws, rec)
	assert.True(t, first.Compressed)
	assert.Greater(t, first.Payload, 500, "random letters compress little on their own")
	assert.Less(t, second.Payload, first.Payload/8, "the second note is the first's, from the window")
}

func TestCompression_AClientThatOffersNoneIsServedUncompressed(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws, resp, rec := b.dialRecorded(ts.URL, ref, websocket.CompressionDisabled)
	assert.Empty(t, resp.Header.Get("Sec-WebSocket-Extensions"))

	first, second := noteTwice(t, ws, rec)
	assert.False(t, first.Compressed)
	assert.False(t, second.Compressed)
	assert.Greater(t, first.Payload, 900)

	send(t, ws, `{"action":"inc"}`)
	assert.Equal(t, "Count: 1", mustRead(t, ws).html())
}

func TestCompression_Options(t *testing.T) {
	tests := []struct {
		name       string
		mode       websocket.CompressionMode
		extensions string
	}{
		{"off", websocket.CompressionDisabled, ""},
		{"no context takeover", websocket.CompressionNoContextTakeover,
			"permessage-deflate; client_no_context_takeover; server_no_context_takeover"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, live.WithCompression(tc.mode))
			b := newBrowser(t)
			ref, _ := b.load(ts.URL)
			ws, resp, rec := b.dialRecorded(ts.URL, ref, websocket.CompressionContextTakeover)
			assert.Equal(t, tc.extensions, resp.Header.Get("Sec-WebSocket-Extensions"))
			first, second := noteTwice(t, ws, rec)
			assert.Equal(t, tc.mode != websocket.CompressionDisabled, first.Compressed)
			if tc.mode == websocket.CompressionNoContextTakeover {
				assert.InDelta(t, first.Payload, second.Payload, 2, "each message compressed on its own")
			}
		})
	}
}

func TestSocket_AClientOfAnotherProtocolVersionReloads(t *testing.T) {
	tests := []struct{ name, version string }{
		{"no version (the JSON client before version 2)", ""},
		{"version 1", "v=1&"},
		{"version 3 (a page cached from before html splices)", "v=3&"},
		{"version 4 (a page cached from before get records)", "v=4&"},
		{"a later version", "v=6&"},
	}
	ts := newTestServer(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			ref, _ := b.load(ts.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			u := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws?" + tc.version + "ref=" + url.QueryEscape(ref)
			ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {b.cookieHeader(ts.URL)}}})
			require.NoError(t, err)
			defer ws.CloseNow()
			_, msg, err := ws.Read(ctx)
			require.Error(t, err, "no ready message: %q", msg)
			assert.Equal(t, live.CloseSessionGone, websocket.CloseStatus(err), "the code every client reloads on")
		})
	}
}

func TestCompression_WindowsAreBoundedAndGivenBack(t *testing.T) {
	ts := newTestServer(t, live.WithCompressionWindows(1))
	b := newBrowser(t)
	const window, alone = "permessage-deflate", "permessage-deflate; client_no_context_takeover; server_no_context_takeover"
	dial := func() (*websocket.Conn, string, *wirebytes.Recorder) {
		ref, _ := b.load(ts.URL)
		ws, resp, rec := b.dialRecorded(ts.URL, ref, websocket.CompressionContextTakeover)
		return ws, resp.Header.Get("Sec-WebSocket-Extensions"), rec
	}

	first, ext, _ := dial()
	assert.Equal(t, window, ext, "the first connection keeps a window")
	second, ext, rec := dial()
	assert.Equal(t, alone, ext, "the second, past the budget, compresses each message alone")
	a, bb := noteTwice(t, second, rec)
	assert.True(t, a.Compressed, "still compressed")
	assert.Greater(t, bb.Payload, a.Payload/2, "without a window, the second note is not taken from the first")

	first.Close(websocket.StatusNormalClosure, "")
	second.Close(websocket.StatusNormalClosure, "")
	require.Eventually(t, func() bool { return ts.app.Connections() == 0 }, 5*time.Second, 10*time.Millisecond)
	_, ext, _ = dial()
	assert.Equal(t, window, ext, "a window given back is offered again")
}

// A page cached from before version 3 keeps working after a deploy: its
// client of version 2 is served in version 2, every id and text whole,
// which its decoder (DecodeBatch's rules) reads on its own.
func TestSocket_AClientOfVersion2IsServedInVersion2(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws, _, _ := b.dialRecorded(ts.URL, ref, websocket.CompressionDisabled) // v=2, and its ready message checked
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var msgs []string
	for i := 1; i <= 3; i++ {
		send(t, ws, `{"action":"inc","_seq":`+strconv.Itoa(i)+`}`)
		_, msg, err := ws.Read(ctx)
		require.NoError(t, err)
		batch, err := live.DecodeBatch(msg)
		require.NoError(t, err, "%q", msg)
		require.Equal(t, int64(i), batch.Ack)
		require.Len(t, batch.Updates, 1)
		assert.Equal(t, "Count: "+strconv.Itoa(i), batch.Updates[0].HTML)
		msgs = append(msgs, string(msg))
	}
	assert.Equal(t, strings.Replace(msgs[1], "2", "3", 2), msgs[2], "the third like the second, whole")

	// The same page's client of version 3 gets the short forms.
	tab := b.mustDial(ts.URL, ref)
	for i := 4; i <= 5; i++ {
		send(t, tab, `{"action":"inc","_seq":`+strconv.Itoa(i)+`}`)
		mustRead(t, tab)
	}
	for _, want := range []string{"\x1etcount\x1fCount: 4", "\x1etcount\x1fCount: 5"} {
		_, msg, err := ws.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, string(msg), "the version-2 tab, meanwhile, gets them whole")
	}
}
