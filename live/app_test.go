package live_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/browsertest"
	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

func TestApp_ActionPushesTheChangedFragment(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws := b.mustDial(ts.URL, ref)

	send(t, ws, `{"action":"inc"}`)
	m := mustRead(t, ws)
	require.Len(t, m.Updates, 1)
	u := m.Updates[0]
	assert.Equal(t, statetemplate.ActionText, u.Action)
	assert.Equal(t, "count", u.FragmentID)
	assert.Equal(t, "Count: 1", u.HTML)
	assert.Empty(t, u.HTMLHash, "the wire carries no hash")
	assert.True(t, u.Timestamp.IsZero(), "the wire carries no timestamp")
}

func TestApp_PageCarriesScriptAndNoToken(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	resp, err := b.client.Get(ts.URL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

	ref, body := b.load(ts.URL)
	assert.Contains(t, body, `<script src="/statetemplate.js?v=5" data-ref="`+ref+`" data-url="/ws" defer></script></head>`)
	assert.Contains(t, body, "Count: 0")
}

func TestApp_ErrorsKeepTheConnection(t *testing.T) {
	tests := []struct {
		name     string
		msg      string
		wantCode string
	}{
		{"malformed JSON", `{"action":`, "bad_message"},
		{"not an object", `[1,2]`, "bad_message"},
		{"action not a string", `{"action":7}`, "bad_message"},
		{"missing action", `{"title":"x"}`, "bad_message"},
		{"unknown action", `{"action":"frobnicate"}`, "unknown_action"},
		{"handler error", `{"action":"fail"}`, "action_failed"},
	}
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws := b.mustDial(ts.URL, ref)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			send(t, ws, tc.msg)
			m := mustRead(t, ws)
			require.NotNil(t, m.Error, "want an error message")
			assert.Equal(t, tc.wantCode, m.Error["error"])
			assert.NotEmpty(t, m.Error["message"])

			send(t, ws, `{"action":"inc"}`) // the connection still works
			m = mustRead(t, ws)
			assert.Contains(t, m.html(), "Count: "+strconv.Itoa(i+1))
		})
	}
}

func TestApp_RateLimitDropsExcessActions(t *testing.T) {
	ts := newTestServer(t, live.WithRateLimit(0.001, 2))
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws := b.mustDial(ts.URL, ref)
	for range 3 {
		send(t, ws, `{"action":"inc"}`)
	}
	var limited, updates int
	for range 3 {
		m := mustRead(t, ws)
		if m.Error != nil {
			assert.Equal(t, "rate_limited", m.Error["error"])
			limited++
		} else {
			updates++
		}
	}
	assert.Equal(t, 2, updates)
	assert.Equal(t, 1, limited)
}

func TestApp_OversizedMessageClosesWith1009(t *testing.T) {
	ts := newTestServer(t, live.WithMaxMessageBytes(64))
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws := b.mustDial(ts.URL, ref)
	send(t, ws, `{"action":"note","text":"`+strings.Repeat("x", 200)+`"}`)
	_, err := read(t, ws)
	assert.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err))
}

func TestApp_OriginCheck(t *testing.T) {
	tests := []struct {
		name    string
		origins []string
		origin  string
		wantOK  bool
	}{
		{"same host", nil, "", true},
		{"foreign origin refused by default", nil, "http://evil.example", false},
		{"allow-listed origin", []string{"*.example.com"}, "https://app.example.com", true},
		{"origin outside the allow-list", []string{"*.example.com"}, "https://example.org", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, live.WithOrigins(tc.origins...))
			b := newBrowser(t)
			ref, _ := b.load(ts.URL)
			h := http.Header{}
			if tc.origin == "" {
				h.Set("Origin", ts.URL)
			} else {
				h.Set("Origin", tc.origin)
			}
			ws, resp, err := b.dial(ts.URL, ref, h)
			if !tc.wantOK {
				require.Error(t, err)
				require.NotNil(t, resp)
				assert.Equal(t, http.StatusForbidden, resp.StatusCode)
				return
			}
			require.NoError(t, err)
			defer ws.CloseNow()
			expectReady(t, ws)
			send(t, ws, `{"action":"inc"}`)
			assert.Contains(t, mustRead(t, ws).html(), "Count: 1")
		})
	}
}

func TestApp_ReferenceNeedsTheBrowserCookie(t *testing.T) {
	ts := newTestServer(t)
	owner := newBrowser(t)
	ref, _ := owner.load(ts.URL)
	other := newBrowser(t)
	other.load(ts.URL) // other has a cookie of its own

	tests := []struct {
		name string
		b    *browser
		ref  string
	}{
		{"page HTML without any cookie", newBrowser(t), ref},
		{"another browser's cookie", other, ref},
		{"tampered reference", owner, ref[:len(ref)-2] + "AA"},
		{"garbage reference", owner, "not-a-ref"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws, _, err := tc.b.dial(ts.URL, tc.ref, nil)
			require.NoError(t, err, "the handshake succeeds so the close code can reach the client")
			defer ws.CloseNow()
			_, err = read(t, ws)
			assert.Equal(t, live.CloseSessionGone, websocket.CloseStatus(err))
		})
	}
}

func TestApp_InvalidatedSessionClosesWith4401(t *testing.T) {
	ts := newTestServer(t)
	var token string
	probe := live.SessionMiddleware(ts.r, func(*http.Request) (any, error) { return &counter{}, nil })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tab, _ := live.TabFromContext(r.Context())
			token = tab.Token
			if _, err := ts.r.RenderPage(tab.Token); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Write([]byte(`data-ref="` + tab.Ref + `"`))
		}))
	srv := httptest.NewServer(probe)
	defer srv.Close()
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	// The probe shares the renderer and the cookie name, and cookies ignore
	// ports, so the tab opens on the app's socket.
	ws := b.mustDial(ts.URL, ref)
	send(t, ws, `{"action":"inc"}`)
	mustRead(t, ws)

	require.NoError(t, ts.r.InvalidateSession(token))
	send(t, ws, `{"action":"inc"}`)
	_, err := read(t, ws)
	assert.Equal(t, live.CloseSessionGone, websocket.CloseStatus(err))
}

func TestApp_ResyncSendsTheWholePageAsBodyReplace(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws := b.mustDial(ts.URL, ref)
	send(t, ws, `{"action":"inc"}`)
	mustRead(t, ws)

	send(t, ws, `{"action":"_resync"}`)
	m := mustRead(t, ws)
	require.Len(t, m.Updates, 1)
	u := m.Updates[0]
	assert.Equal(t, "", u.FragmentID)
	assert.Equal(t, "replace", u.Action)
	assert.Contains(t, u.HTML, "<body>")
	assert.Contains(t, u.HTML, "Count: 1")
	assert.NotContains(t, u.HTML, "data-ref", "the resync page must not carry a reference")
}

func TestApp_TabsHaveSeparateSessions(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref1, _ := b.load(ts.URL)
	ref2, _ := b.load(ts.URL)
	require.NotEqual(t, ref1, ref2)
	tab1, tab2 := b.mustDial(ts.URL, ref1), b.mustDial(ts.URL, ref2)

	send(t, tab1, `{"action":"inc"}`)
	assert.Contains(t, mustRead(t, tab1).html(), "Count: 1")
	send(t, tab2, `{"action":"note","text":"two"}`)
	m := mustRead(t, tab2)
	assert.Contains(t, m.html(), "two")
	assert.NotContains(t, m.html(), "Count: 1", "tab 2 must not see tab 1's count")
}

func TestApp_ConnectionsOfOneSessionAllReceiveItsUpdates(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	a, c := b.mustDial(ts.URL, ref), b.mustDial(ts.URL, ref)
	send(t, a, `{"action":"inc"}`)
	assert.Contains(t, mustRead(t, a).html(), "Count: 1")
	assert.Contains(t, mustRead(t, c).html(), "Count: 1")
}

func TestApp_UpdateAllPushesToConnectedSessions(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref1, _ := b.load(ts.URL)
	ref2, _ := b.load(ts.URL)
	ws1, ws2 := b.mustDial(ts.URL, ref1), b.mustDial(ts.URL, ref2)
	require.Eventually(t, func() bool { return ts.app.Connections() == 2 }, 5*time.Second, 10*time.Millisecond)

	require.NoError(t, ts.app.UpdateAll(context.Background(), func(_ context.Context, c *counter) error {
		c.Note = "tick"
		return nil
	}))
	assert.Contains(t, mustRead(t, ws1).html(), "tick")
	assert.Contains(t, mustRead(t, ws2).html(), "tick")
}

func TestApp_SlowClientDoesNotBlockOthers(t *testing.T) {
	logger, logs := livetest.Logger()
	// The write timeout holds for the fast client too: it must be long
	// enough for a 64 KB write by a reading client on a loaded machine
	// (200 ms was not, under -race at load 14). The slow client is found
	// by its send buffer overflowing, or by the timeout, whichever first.
	ts := startTestServer(t, true, live.WithSendBuffer(2), live.WithWriteTimeout(2*time.Second), live.WithLogger(logger))
	b := newBrowser(t)
	slowRef, _ := b.load(ts.URL)
	fastRef, _ := b.load(ts.URL)
	slow := b.dialTinyBuffer(ts.URL, slowRef) // never read
	fast := b.mustDial(ts.URL, fastRef)
	require.Eventually(t, func() bool { return ts.app.Connections() == 2 }, 5*time.Second, 10*time.Millisecond)

	big := strings.Repeat("y", 64<<10)
	for i := range 20 {
		note := big + strconv.Itoa(i%10)
		done := make(chan error, 1)
		go func() {
			done <- ts.app.UpdateAll(context.Background(), func(_ context.Context, c *counter) error {
				c.Note = note
				return nil
			})
		}()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("a push blocked on the slow client")
		}
		m := mustRead(t, fast)
		require.True(t, strings.HasSuffix(m.html(), big+strconv.Itoa(i%10)), "push %d", i)
	}
	// The close handshake waits for the blocked write, which the write
	// timeout ends, and up to 5 s for the client's answer, which a client
	// that does not read never sends.
	require.Eventually(t, func() bool { return ts.app.Connections() == 1 }, 20*time.Second, 10*time.Millisecond,
		"the slow client is disconnected")
	assert.Equal(t, 1, strings.Count(logs.String(), "does not keep up"), "the slow client's close is said, once:\n%s", logs.String())
	_ = slow
}

func TestApp_CloseSendsGoingAway(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws := b.mustDial(ts.URL, ref)
	require.Eventually(t, func() bool { return ts.app.Connections() == 1 }, 5*time.Second, 10*time.Millisecond)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := read(t, ws)
		assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err))
	}()
	require.NoError(t, ts.app.Close())
	<-done
	assert.Equal(t, 0, ts.app.Connections())
}

func TestApp_BinaryMessageIsAnErrorNotADisconnect(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws := b.mustDial(ts.URL, ref)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, ws.Write(ctx, websocket.MessageBinary, []byte(`{"action":"inc"}`)))
	assert.Equal(t, "bad_message", mustRead(t, ws).Error["error"])
	send(t, ws, `{"action":"inc"}`)
	assert.Contains(t, mustRead(t, ws).html(), "Count: 1")
}

func TestNew_RejectsNonPointerData(t *testing.T) {
	ts := newTestServer(t)
	_, err := live.New(ts.r, func(*http.Request) (counter, error) { return counter{}, nil })
	assert.ErrorContains(t, err, "must be a pointer")
	_, err = live.New[*counter](ts.r, nil)
	assert.Error(t, err)
}

func TestHandle_PanicsOnReservedOrDuplicateNames(t *testing.T) {
	tests := []struct{ name, action string }{
		{"empty", ""},
		{"reserved prefix", "_resync"},
		{"duplicate", "inc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			assert.Panics(t, func() {
				ts.app.Handle(tc.action, func(context.Context, *counter, live.Message) error { return nil })
			})
		})
	}
}

func TestApp_RoutesUnknownPathsTo404AndRefusesPost(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Get(ts.URL + "/favicon.ico")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "no session for stray paths")
	resp, err = http.Post(ts.URL+"/", "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = http.Get(ts.URL + "/statetemplate.js")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"))
}
