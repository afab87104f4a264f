package live_test

import (
	"context"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// feed is the push tests' session data: the last price of the "price"
// topic, the sequence numbers of the pushes the session applied, in order,
// and a room's last message.
type feed struct {
	Price   int
	Applied []int
	Room    string
}

// tick is the "price" topic's payload.
type tick struct {
	Seq   int
	Price int
}

var feedPage = template.Must(template.New("feed").Parse(`<!DOCTYPE html>
<html><head><title>feed</title></head><body>
<p id="price">Price: {{.Price}}</p><p id="room">{{.Room}}</p>
</body></html>`))

type pushServer struct {
	*httptest.Server
	app     *live.App[*feed]
	mu      sync.Mutex
	applied map[string][]int // session ID → the Seqs its handler saw, in order
	release chan struct{}    // closed to let "block" actions return
	blocked chan struct{}    // a "block" action has started
}

// newPushServer serves feedPage. Its pages subscribe at connect time to the
// topics in the handshake's X-Topics header; actions: sub and unsub
// (field topic), whoami (pushes an event "id" with the session ID), block
// (holds the session until release is closed).
func newPushServer(t testing.TB, opts ...live.Option) *pushServer {
	t.Helper()
	return startPushServer(t, false, opts...)
}

// newTinyPushServer is newPushServer with 4 KiB socket send buffers, so
// that a tab that does not read holds up the server's writes at once.
func newTinyPushServer(t testing.TB, opts ...live.Option) *pushServer {
	t.Helper()
	return startPushServer(t, true, opts...)
}

func startPushServer(t testing.TB, tiny bool, opts ...live.Option) *pushServer {
	t.Helper()
	r, err := statetemplate.New(feedPage)
	require.NoError(t, err)
	app, err := live.New(r, func(*http.Request) (*feed, error) { return &feed{}, nil }, opts...)
	require.NoError(t, err)
	ps := &pushServer{app: app, applied: map[string][]int{}, release: make(chan struct{}), blocked: make(chan struct{}, 1)}
	live.HandleTopic(app, "price", func(ctx context.Context, f *feed, p tick) error {
		f.Price = p.Seq*1000 + p.Price
		f.Applied = append(f.Applied, p.Seq)
		ps.mu.Lock()
		ps.applied[live.SessionID(ctx)] = append(ps.applied[live.SessionID(ctx)], p.Seq)
		ps.mu.Unlock()
		return nil
	})
	live.HandleTopic(app, "room:*", func(ctx context.Context, f *feed, msg string) error {
		f.Room = live.Topic(ctx) + " " + msg
		return nil
	})
	app.OnConnect(func(ctx context.Context, _ *feed, r *http.Request) error {
		if h := r.Header.Get("X-Topics"); h != "" {
			live.Subscribe(ctx, strings.Split(h, ",")...)
		}
		return nil
	})
	app.Handle("sub", func(ctx context.Context, _ *feed, m live.Message) error {
		live.Subscribe(ctx, m.String("topic"))
		return nil
	})
	app.Handle("unsub", func(ctx context.Context, _ *feed, m live.Message) error {
		live.Unsubscribe(ctx, m.String("topic"))
		return nil
	})
	app.Handle("whoami", func(ctx context.Context, _ *feed, _ live.Message) error {
		live.PushEvent(ctx, "id", live.SessionID(ctx))
		return nil
	})
	app.Handle("block", func(context.Context, *feed, live.Message) error {
		ps.blocked <- struct{}{}
		<-ps.release
		return nil
	})
	ps.Server = httptest.NewUnstartedServer(app)
	if tiny {
		ps.Server.Listener = tinyListener{ps.Server.Listener}
	}
	ps.Server.Start()
	t.Cleanup(func() {
		ps.unblock()
		ps.Server.Close()
		app.Close()
		r.Close()
	})
	return ps
}

func (ps *pushServer) unblock() {
	select {
	case <-ps.release:
	default:
		close(ps.release)
	}
}

// appliedBy returns the Seqs session id's handler applied, in order.
func (ps *pushServer) appliedBy(id string) []int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]int(nil), ps.applied[id]...)
}

// tab is a connected page of the push server and its session's ID.
type tab struct {
	*websocket.Conn
	id string
}

// openTab opens a page on base and connects it, subscribed at connect time
// to topics. It returns once the connect hook has run: the answer to an
// action comes after it.
func openTab(t *testing.T, base string, topics ...string) tab {
	t.Helper()
	b := newBrowser(t)
	ref, _ := b.load(base)
	h := http.Header{}
	if len(topics) > 0 {
		h.Set("X-Topics", strings.Join(topics, ","))
	}
	ws, _, err := b.dial(base, ref, h)
	require.NoError(t, err)
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	expectReady(t, ws)
	return tab{ws, sessionIDOf(t, ws)}
}

// openTinyTab is openTab with a 4 KiB socket receive buffer, for a tab
// that stops reading.
func openTinyTab(t *testing.T, base string, topics ...string) tab {
	t.Helper()
	b := newBrowser(t)
	ref, _ := b.load(base)
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(4 << 10)
		}
		return c, err
	}}
	t.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws?v="+strconv.Itoa(live.ProtocolVersion)+"&ref="+url.QueryEscape(ref), &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: tr},
		HTTPHeader: http.Header{"Cookie": {b.cookieHeader(base)}, "X-Topics": {strings.Join(topics, ",")}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { ws.CloseNow() })
	ws.SetReadLimit(16 << 20)
	expectReady(t, ws)
	return tab{ws, sessionIDOf(t, ws)}
}

// sessionIDOf asks the tab for its session's ID (the whoami action).
func sessionIDOf(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	send(t, ws, `{"action":"whoami"}`)
	m := mustRead(t, ws)
	var events []struct {
		Name   string
		Detail string
	}
	require.NoError(t, json.Unmarshal([]byte(m.Error["events"]), &events), "%v", m.Error)
	require.Len(t, events, 1)
	return events[0].Detail
}

// priceOf reads the tab's next message and returns the price it shows:
// the text update of #price.
func priceOf(t *testing.T, ws *websocket.Conn) int {
	t.Helper()
	m := mustRead(t, ws)
	require.Len(t, m.Updates, 1, "not a price update: %+v", m)
	u := m.Updates[0]
	require.Equal(t, "price", u.FragmentID, "not a price update: %+v", u)
	n, err := strconv.Atoi(strings.TrimPrefix(u.HTML, "Price: "))
	require.NoError(t, err, "not a price update: %+v", u)
	return n
}

// expectNoPush checks that ws has received nothing since its last read:
// the answer to an action sent now is the next message. Pushes to a
// connection are written in order, so call it once the pushes of interest
// have been delivered elsewhere (PushStats).
func expectNoPush(t *testing.T, ws *websocket.Conn) {
	t.Helper()
	send(t, ws, `{"action":"whoami"}`)
	m := mustRead(t, ws)
	require.Empty(t, m.Updates, "got a push")
	require.Contains(t, m.Error["events"], `"id"`)
}

// delivered waits until app has delivered n pushes in all.
func delivered(t testing.TB, app *live.App[*feed], n int64) {
	t.Helper()
	require.Eventually(t, func() bool { return app.PushStats().Delivered >= n }, 5*time.Second, 2*time.Millisecond)
	require.Equal(t, n, app.PushStats().Delivered)
}

// waitConnections waits until the App has n open connections.
func waitConnections(t testing.TB, app interface{ Connections() int }, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return app.Connections() == n }, 5*time.Second, 5*time.Millisecond)
}
