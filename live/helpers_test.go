package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

// counter is the test app's session data.
type counter struct {
	Count int
	Note  string
}

var counterPage = template.Must(template.New("p").Parse(`<!DOCTYPE html>
<html><head><title>t</title></head><body>
<p id="count">Count: {{.Count}}</p><p id="note">{{.Note}}</p>
</body></html>`))

type testServer struct {
	*httptest.Server
	r   *statetemplate.Renderer
	app *live.App[*counter]
}

func newTestServer(t testing.TB, opts ...live.Option) *testServer {
	t.Helper()
	return startTestServer(t, false, opts...)
}

// tinyListener gives accepted connections a 4 KiB send buffer, so that a
// client that does not read blocks the server's writes quickly.
type tinyListener struct{ net.Listener }

func (l tinyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		c.(*net.TCPConn).SetWriteBuffer(4 << 10)
	}
	return c, err
}

func startTestServer(t testing.TB, tiny bool, opts ...live.Option) *testServer {
	t.Helper()
	return startTestServerWith(t, tiny, nil, opts...)
}

// startTestServerWith is startTestServer with renderer options.
func startTestServerWith(t testing.TB, tiny bool, ropts []statetemplate.Option, opts ...live.Option) *testServer {
	t.Helper()
	r, err := statetemplate.New(counterPage, ropts...)
	require.NoError(t, err)
	app, err := live.New(r, func(*http.Request) (*counter, error) { return &counter{}, nil }, opts...)
	require.NoError(t, err)
	app.Handle("inc", func(_ context.Context, c *counter, _ live.Message) error {
		c.Count++
		return nil
	})
	app.Handle("note", func(_ context.Context, c *counter, m live.Message) error {
		c.Note = m.String("text")
		return nil
	})
	app.Handle("fail", func(context.Context, *counter, live.Message) error {
		return io.ErrUnexpectedEOF
	})
	app.Handle("half", func(_ context.Context, c *counter, _ live.Message) error {
		c.Count += 100 // then fails: half an action
		return errors.New("db: connection refused at 10.0.0.7:5432")
	})
	app.Handle("refuse", func(_ context.Context, c *counter, _ live.Message) error {
		c.Note = "changed"
		return fmt.Errorf("checking the note: %w", live.Errorf("Notes are closed until %s.", "Monday"))
	})
	srv := httptest.NewUnstartedServer(app)
	if tiny {
		srv.Listener = tinyListener{srv.Listener}
	}
	srv.Start()
	ts := &testServer{Server: srv, r: r, app: app}
	t.Cleanup(func() {
		srv.Close()
		app.Close()
		r.Close()
	})
	return ts
}

// browser is a cookie jar standing in for one browser.
type browser struct {
	t      testing.TB
	client *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, client: &http.Client{Jar: jar}}
}

var refRE = regexp.MustCompile(`data-ref="([^"]+)"`)

// load fetches the page, as opening a tab does, and returns its tab ref.
func (b *browser) load(base string) (ref, body string) {
	b.t.Helper()
	resp, err := b.client.Get(base + "/")
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	require.Equal(b.t, http.StatusOK, resp.StatusCode, string(raw))
	m := refRE.FindStringSubmatch(string(raw))
	require.NotNil(b.t, m, "page has no tab reference")
	return m[1], string(raw)
}

func (b *browser) cookieHeader(base string) string {
	u, _ := url.Parse(base)
	var parts []string
	for _, c := range b.client.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// dial opens the tab's WebSocket with this browser's cookie.
func (b *browser) dial(base, ref string, header http.Header) (*websocket.Conn, *http.Response, error) {
	return b.dialQuery(base, "ref="+url.QueryEscape(ref), header)
}

// dialQuery opens the WebSocket with the handshake query q, to which it
// adds this protocol version unless q has a v.
func (b *browser) dialQuery(base, q string, header http.Header) (*websocket.Conn, *http.Response, error) {
	if !strings.HasPrefix(q, "v=") && !strings.Contains(q, "&v=") {
		q = "v=" + strconv.Itoa(live.ProtocolVersion) + "&" + q
	}
	if header == nil {
		header = http.Header{}
	}
	if c := b.cookieHeader(base); c != "" {
		header.Set("Cookie", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws?" + q
	return websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: header})
}

func (b *browser) mustDial(base, ref string) *websocket.Conn {
	b.t.Helper()
	ws, _, err := b.dial(base, ref, nil)
	require.NoError(b.t, err)
	ws.SetReadLimit(16 << 20)
	b.t.Cleanup(func() { ws.CloseNow() })
	expectReady(b.t, ws)
	return ws
}

func send(t *testing.T, ws *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte(msg)))
}

// serverMsg is a batch of updates, a reply (its fields as strings, the
// ack at the end of a batch included), or a new tab reference.
type serverMsg struct {
	Updates []statetemplate.Update
	Error   map[string]string
	Ref     string
}

// decoders holds each connection's live.Decoder: a batch of version 3 may
// name what an earlier one sent.
var decoders sync.Map // *websocket.Conn → *live.Decoder

func read(t *testing.T, ws *websocket.Conn) (serverMsg, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		return serverMsg{}, err
	}
	var m serverMsg
	switch {
	case len(b) > 0 && b[0] != '{':
		d, _ := decoders.LoadOrStore(ws, &live.Decoder{})
		batch, err := d.(*live.Decoder).Decode(b)
		require.NoError(t, err)
		m.Updates = batch.Updates
		if batch.Ack != 0 {
			m.Error = map[string]string{"ack": strconv.FormatInt(batch.Ack, 10)}
		}
	case strings.HasPrefix(string(b), `{"ref":`):
		var r struct{ Ref string }
		require.NoError(t, json.Unmarshal(b, &r))
		m.Ref = r.Ref
	default:
		// A reply: its fields as strings, for tests to look at.
		var raw map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(b, &raw), string(b))
		m.Error = map[string]string{}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) != nil {
				s = string(v)
			}
			m.Error[k] = s
		}
	}
	return m, nil
}

func mustRead(t *testing.T, ws *websocket.Conn) serverMsg {
	t.Helper()
	m, err := read(t, ws)
	require.NoError(t, err)
	return m
}

// html joins the HTML of a batch, to look for rendered values in it.
func (m serverMsg) html() string {
	var s strings.Builder
	for _, u := range m.Updates {
		s.WriteString(u.HTML)
	}
	return s.String()
}

// expectReady reads the ready message every opened session starts with.
func expectReady(t testing.TB, ws *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, `{"v":`+strconv.Itoa(live.ProtocolVersion)+`}`, string(b), "the first message is the ready message")
}

// dialTinyBuffer dials with a 4 KiB socket receive buffer, so that a client
// that does not read holds up the server's writes quickly.
func (b *browser) dialTinyBuffer(base, ref string) *websocket.Conn {
	b.t.Helper()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(4 << 10)
		}
		return c, err
	}}
	b.t.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws?v=" + strconv.Itoa(live.ProtocolVersion) + "&ref=" + url.QueryEscape(ref)
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: tr},
		HTTPHeader: http.Header{"Cookie": {b.cookieHeader(base)}},
	})
	require.NoError(b.t, err)
	b.t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// serveApp serves an App of T on a renderer of tmpl, with the handlers
// register adds, until the test ends.
func serveApp[T any](t testing.TB, tmpl *template.Template, init func(*http.Request) (T, error),
	register func(*live.App[T]), opts ...live.Option) (*httptest.Server, *live.App[T]) {
	t.Helper()
	r, err := statetemplate.New(tmpl)
	require.NoError(t, err)
	app, err := live.New(r, init, opts...)
	require.NoError(t, err)
	register(app)
	srv := httptest.NewServer(app)
	t.Cleanup(func() {
		srv.Close()
		app.Close()
		r.Close()
	})
	return srv, app
}
