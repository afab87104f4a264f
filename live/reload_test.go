package live_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/testclock"
	"github.com/livefir/statetemplate/live"
)

// leave stores the resume cookie the client writes as its page at "/"
// goes away.
func (b *browser) leave(base, ref, nonce string) {
	u, _ := url.Parse(base)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "st_browser_resume", Value: ref + "." + nonce + ".%2F", Path: "/"}})
}

var resumedRE = `data-resumed="`

func TestReload_ContinuesTheTabsSession(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, ws, html := incremented(t, b, ts.URL)
	require.Contains(t, html, "Count: 1")

	b.leave(ts.URL, ref, "0123456789abcdef")
	ref2, body := b.load(ts.URL)
	assert.Contains(t, body, "Count: 1", "the reloaded page shows the tab's state")
	assert.Contains(t, body, resumedRE+`0123456789abcdef"`)
	assert.NotEqual(t, ref, ref2, "a new page gets a new reference to the same session")
	assert.NotContains(t, b.cookieHeader(ts.URL), "st_browser_resume", "the resume cookie is used once")

	ws2, _, err := b.dialQuery(ts.URL, "ref="+url.QueryEscape(ref2)+"&resumed=1", nil)
	require.NoError(t, err)
	defer ws2.CloseNow()
	expectReady(t, ws2)
	page := mustRead(t, ws2)
	require.Len(t, page.Updates, 1, "a resumed page is resynchronized")
	assert.Equal(t, "", page.Updates[0].FragmentID)
	assert.Contains(t, page.html(), "Count: 1")

	_, err = read(t, ws)
	assert.Equal(t, live.CloseReplaced, websocket.CloseStatus(err), "the tab's older page lets go of the session")

	send(t, ws2, `{"action":"inc"}`)
	assert.Contains(t, mustRead(t, ws2).html(), "Count: 2")
}

func TestReload_ResumeCookieOfAnotherBrowserStartsANewSession(t *testing.T) {
	ts := newTestServer(t)
	a, b := newBrowser(t), newBrowser(t)
	ref, _, _ := incremented(t, a, ts.URL)

	b.load(ts.URL) // b gets its own cookie
	b.leave(ts.URL, ref, "0123456789abcdef")
	_, body := b.load(ts.URL)
	assert.Contains(t, body, "Count: 0", "a reference opens only with its own browser's cookie")
	assert.NotContains(t, body, resumedRE)
}

func TestReload_PrevContinuesASessionNoPageHolds(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, ws, _ := incremented(t, b, ts.URL)
	ws.Close(websocket.StatusGoingAway, "")
	waitFor(t, func() bool { return ts.app.Connections() == 0 })

	ref2, body := b.load(ts.URL) // the reload's cookie was lost: a new page
	require.Contains(t, body, "Count: 0")
	ws2, _, err := b.dialQuery(ts.URL, "ref="+url.QueryEscape(ref2)+"&prev="+url.QueryEscape(ref), nil)
	require.NoError(t, err)
	defer ws2.CloseNow()
	expectReady(t, ws2)
	next := mustRead(t, ws2)
	require.NotEmpty(t, next.Ref, "the page is told its new reference")
	page := mustRead(t, ws2)
	assert.Contains(t, page.html(), "Count: 1", "the tab's session is back")
	assert.False(t, ts.r.ValidateToken(tokenOf(t, b, ts.URL, ref2)), "the unused page session is dropped")
}

func TestReload_DuplicatedTabStartsFromACopy(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, ws, _ := incremented(t, b, ts.URL)

	ref2, _ := b.load(ts.URL)
	ws2, _, err := b.dialQuery(ts.URL, "ref="+url.QueryEscape(ref2)+"&prev="+url.QueryEscape(ref), nil)
	require.NoError(t, err)
	defer ws2.CloseNow()
	expectReady(t, ws2)
	copied := mustRead(t, ws2)
	assert.Contains(t, copied.html(), "Count: 1", "the duplicate starts where the original was")

	send(t, ws2, `{"action":"inc"}`)
	assert.Contains(t, mustRead(t, ws2).html(), "Count: 2")
	send(t, ws, `{"action":"inc"}`)
	assert.Contains(t, mustRead(t, ws).html(), "Count: 2", "the two tabs have separate sessions")
}

func TestReload_FreshGivesATabThatTookAnotherTabsCookieItsOwnSession(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, ws, _ := incremented(t, b, ts.URL)

	b.leave(ts.URL, ref, "0123456789abcdef")
	ref2, body := b.load(ts.URL) // a new tab took the cookie the reloading one left
	require.Contains(t, body, "Count: 1")
	ws2, _, err := b.dialQuery(ts.URL, "ref="+url.QueryEscape(ref2)+"&fresh=1&url=%2F", nil)
	require.NoError(t, err)
	defer ws2.CloseNow()
	expectReady(t, ws2)
	require.NotEmpty(t, mustRead(t, ws2).Ref)
	assert.Contains(t, mustRead(t, ws2).html(), "Count: 0", "the new tab starts anew")
	send(t, ws, `{"action":"inc"}`)
	assert.Contains(t, mustRead(t, ws).html(), "Count: 2", "the original tab keeps its session")
}

func TestOrphans_ASessionOutlivesItsPageByTheOrphanTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		leave   func(*websocket.Conn)
		expires time.Duration
	}{
		{"page closed", func(ws *websocket.Conn) { ws.Close(websocket.StatusGoingAway, "") }, time.Minute},
		{"connection lost", func(ws *websocket.Conn) { ws.CloseNow() }, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			ts := startTestServerWith(t, false, []statetemplate.Option{statetemplate.WithClock(clock.Now)},
				live.WithOrphanTimeouts(time.Minute, time.Hour))
			b := newBrowser(t)
			ref, _ := b.load(ts.URL)
			ws := b.mustDial(ts.URL, ref)
			tok := tokenOf(t, b, ts.URL, ref)
			clock.Advance(2 * time.Hour)
			require.True(t, ts.r.ValidateToken(tok), "a connected session does not idle out")

			tc.leave(ws)
			waitFor(t, func() bool { return ts.app.Connections() == 0 })
			clock.Advance(tc.expires - time.Second)
			assert.True(t, ts.r.ValidateToken(tok))
			clock.Advance(time.Second)
			assert.False(t, ts.r.ValidateToken(tok))
		})
	}
}

func TestRollback_AFailedHandlerChangesNothingAndLeaksNoDetail(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	ref, _ := b.load(ts.URL)
	ws := b.mustDial(ts.URL, ref)

	send(t, ws, `{"action":"half"}`)
	m := mustRead(t, ws)
	assert.Equal(t, "action_failed", m.Error["error"])
	assert.NotContains(t, m.Error["message"], "10.0.0.7", "internal error text stays on the server")
	send(t, ws, `{"action":"inc"}`)
	assert.Equal(t, "Count: 1", mustRead(t, ws).html(), "the failed handler's change was rolled back")

	send(t, ws, `{"action":"refuse"}`)
	m = mustRead(t, ws)
	assert.Equal(t, "Notes are closed until Monday.", m.Error["message"], "a UserError's message is for the user")
	send(t, ws, `{"action":"inc"}`)
	assert.NotContains(t, mustRead(t, ws).html(), "changed")
}

// tokenOf opens a page's reference as the server does, to check its
// session with the renderer.
func tokenOf(t *testing.T, b *browser, base, ref string) string {
	t.Helper()
	tok, err := live.OpenReference(b.cookieValue(base), ref)
	require.NoError(t, err)
	return tok
}

func (b *browser) cookieValue(base string) string {
	for _, part := range strings.Split(b.cookieHeader(base), "; ") {
		if v, ok := strings.CutPrefix(part, "st_browser="); ok {
			return v
		}
	}
	return ""
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 5*time.Millisecond)
}

// incremented loads a page in b, opens its WebSocket and counts once: a tab
// whose session has a change to keep. It returns the page's reference,
// its socket and the update's HTML.
func incremented(t *testing.T, b *browser, base string) (string, *websocket.Conn, string) {
	t.Helper()
	ref, _ := b.load(base)
	ws := b.mustDial(base, ref)
	send(t, ws, `{"action":"inc"}`)
	return ref, ws, mustRead(t, ws).html()
}
