package main

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

// scripted is a server that speaks the live wire format with messages the
// test chooses, to check the browser client's side of the contract.
type scripted struct {
	*httptest.Server
	pages atomic.Int32
	// refuse makes the server close every connection as a gone session,
	// before the ready message, as package live does.
	refuse atomic.Bool
	// ready, when set, replaces the ready message: a server of another
	// protocol version.
	ready atomic.Pointer[string]
	query chan string // each handshake's query
	conns chan *websocket.Conn
	recv  chan string
}

const scriptedPage = `<!DOCTYPE html><html><head>%s</head><body>
<p id="a">A</p>
<ul id="list"><li id="i1">1</li></ul>
<input id="field" value="">
</body></html>`

func newScripted(t *testing.T) *scripted {
	s := &scripted{conns: make(chan *websocket.Conn, 4), recv: make(chan string, 64), query: make(chan string, 16)}
	var wg sync.WaitGroup
	mux := http.NewServeMux()
	mux.Handle("/statetemplate.js", statetemplate.ClientScript)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		s.pages.Add(1)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, scriptedPage, live.ScriptTag("ref", "/statetemplate.js", "/ws"))
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		select {
		case s.query <- r.URL.RawQuery:
		default:
		}
		if s.refuse.Load() {
			ws.Close(live.CloseSessionGone, "session gone")
			return
		}
		ready := `{"v":` + strconv.Itoa(live.ProtocolVersion) + `}`
		if p := s.ready.Load(); p != nil {
			ready = *p
		}
		ws.Write(r.Context(), websocket.MessageText, []byte(ready))
		s.conns <- ws
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			s.recv <- string(b)
		}
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.CloseClientConnections()
		s.Close()
		wg.Wait()
	})
	return s
}

func (s *scripted) conn(t *testing.T) *websocket.Conn {
	t.Helper()
	select {
	case c := <-s.conns:
		t.Cleanup(func() { c.CloseNow() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not connect")
		return nil
	}
}

func (s *scripted) expectRecv(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-s.recv:
		assert.JSONEq(t, want, got)
	case <-time.After(10 * time.Second):
		t.Fatalf("the client did not send %s", want)
	}
}

// encoders holds each connection's live.Encoder: the client numbers the
// ids a connection's batches carry, and later ones may name them so.
var encoders sync.Map // *websocket.Conn → *live.Encoder

func push(t *testing.T, ws *websocket.Conn, updates ...statetemplate.Update) {
	t.Helper()
	e, _ := encoders.LoadOrStore(ws, &live.Encoder{})
	b, err := e.(*live.Encoder).Encode(live.Batch{Updates: updates})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, ws.Write(ctx, websocket.MessageText, b))
}

func listIDs(tb *tab) []string {
	return eval[[]string](tb, `[...document.querySelectorAll("#list > li")].map(e => e.id)`)
}

func TestClient_AppliesEveryActionAsSpecified(t *testing.T) {
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	ws := s.conn(t)

	tests := []struct {
		name   string
		update statetemplate.Update
		check  string // JavaScript predicate that holds once applied
	}{
		{"replace swaps the element", statetemplate.Update{FragmentID: "a", Action: "replace", HTML: `<p id="a" class="x">A2</p>`},
			`document.querySelector("#a").textContent === "A2" && document.querySelector("#a").className === "x"`},
		{"append adds a last child", statetemplate.Update{FragmentID: "list", Action: "append", HTML: `<li id="i3">3</li>`},
			`[...document.querySelectorAll("#list > li")].map(e => e.id).join() === "i1,i3"`},
		{"insertAfter goes right after the target", statetemplate.Update{FragmentID: "i2", Action: "insertAfter", TargetID: "i1", HTML: `<li id="i2">2</li>`},
			`[...document.querySelectorAll("#list > li")].map(e => e.id).join() === "i1,i2,i3"`},
		{"insertBefore goes right before the target", statetemplate.Update{FragmentID: "i0", Action: "insertBefore", TargetID: "i1", HTML: `<li id="i0">0</li>`},
			`[...document.querySelectorAll("#list > li")].map(e => e.id).join() === "i0,i1,i2,i3"`},
		{"remove deletes the element", statetemplate.Update{FragmentID: "i3", Action: "remove"},
			`!document.querySelector("#i3")`},
		{"text sets the content to the text, never markup", statetemplate.Update{FragmentID: "a", Action: "text", HTML: "Tom & <b>Jerry</b>"},
			`document.querySelector("#a").innerHTML === "Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;" && document.querySelector("#a").childNodes.length === 1 && document.querySelector("#a").className === "x"`},
		{"attrs sets the lead and attributes", statetemplate.Update{FragmentID: "a", Action: "attrs", HTML: "\n  <p id=\"a\" title=\"t\">"},
			`document.querySelector("#a").outerHTML === '<p id="a" title="t">Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;</p>' && document.querySelector("#a").previousSibling.data === "\n  "`},
		{"title sets the document's title", statetemplate.Update{Action: "title", HTML: "Inbox (3)"},
			`document.title === "Inbox (3)"`},
		{"fragment_id \"\" replaces the body", statetemplate.Update{FragmentID: "", Action: "replace",
			HTML: `<body data-page="2"><p id="a">B</p><ul id="list"><li id="i1">1</li></ul><input id="field" value=""></body>`},
			`document.body.dataset.page === "2" && document.querySelector("#a").textContent === "B"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			push(t, ws, tc.update)
			tb.waitFor(tc.check)
		})
	}
	select {
	case m := <-s.recv:
		t.Fatalf("the client asked for %s after valid updates", m)
	default:
	}
	assert.Equal(t, []string{"i1"}, listIDs(tb))
}

func TestClient_AsksForAResyncWhenAnUpdateCannotApply(t *testing.T) {
	tests := []struct {
		name   string
		update statetemplate.Update
	}{
		{"missing fragment", statetemplate.Update{FragmentID: "nope", Action: "replace", HTML: `<p id="nope">x</p>`}},
		{"missing target", statetemplate.Update{FragmentID: "i9", Action: "insertAfter", TargetID: "nope", HTML: `<li id="i9">9</li>`}},
	}
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	ws := s.conn(t)
	// answer answers the resync with the page as it was served, marked
	// n: until then the client applies nothing.
	answer := func(t *testing.T, n int) {
		t.Helper()
		body := fmt.Sprintf("<body>\n<p id=\"a\">A</p>\n<ul id=\"list\"><li id=\"i1\">1</li></ul>\n<input id=\"field\" value=\"\">\n<i id=\"resync-%d\"></i>\n</body>", n)
		push(t, ws, statetemplate.Update{Action: "replace", HTML: body})
		tb.waitFor(fmt.Sprintf(`!!document.getElementById("resync-%d")`, n))
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			push(t, ws, tc.update, statetemplate.Update{FragmentID: "a", Action: "replace", HTML: `<p id="a">after</p>`})
			s.expectRecv(t, `{"action":"_resync"}`)
			assert.Equal(t, "A", tb.text("#a"), "nothing after the failed update is applied")
			answer(t, i)
		})
	}
	require.NoError(t, ws.Write(context.Background(), websocket.MessageText, []byte("\x1eq\x1fx")))
	s.expectRecv(t, `{"action":"_resync"}`)
	assert.Equal(t, "A", tb.text("#a"), "an unknown operation is not applied")
	answer(t, len(tests))
	// A reference to a number no id has is refused, even where the page
	// has an element whose id is the client's mark for it.
	push(t, ws, statetemplate.Update{FragmentID: "list", Action: "append", HTML: `<li id="?">q</li>`})
	tb.waitFor(`document.getElementById("?")?.textContent === "q"`)
	require.NoError(t, ws.Write(context.Background(), websocket.MessageText, []byte("\x1eR99\x1f<li id=\"?\">ref</li>")))
	s.expectRecv(t, `{"action":"_resync"}`)
	assert.Equal(t, "q", eval[string](tb, `document.getElementById("?").textContent`), "an unknown reference is not applied")
}

func TestClient_ReconnectsAndResyncsAfterAClose(t *testing.T) {
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	ws := s.conn(t)
	tb.do(evalVoid(`window.same = true`))
	ws.Close(websocket.StatusGoingAway, "restart")
	s.conn(t)
	s.expectRecv(t, `{"action":"_resync"}`)
	tb.waitConnected()
	assert.True(t, eval[bool](tb, `window.same === true`), "no reload")
	assert.Equal(t, int32(1), s.pages.Load())
}

func TestClient_SessionGoneReloadsOnce(t *testing.T) {
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	ws := s.conn(t)
	s.refuse.Store(true)
	ws.Close(live.CloseSessionGone, "session gone")
	// The reload fetches the page again; its session is refused as well.
	require.Eventually(t, func() bool { return s.pages.Load() == 2 }, 10*time.Second, 20*time.Millisecond)
	tb.waitFor(`document.documentElement.dataset.stStatus === "gone"`)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, int32(2), s.pages.Load(), "a second gone session does not reload again")

	// Once a session opens, a later gone session may reload again.
	s.refuse.Store(false)
	tb.open(s.URL + "/")
	s.refuse.Store(true)
	s.conn(t).Close(live.CloseSessionGone, "session gone")
	require.Eventually(t, func() bool { return s.pages.Load() == 4 }, 10*time.Second, 20*time.Millisecond)
}

func TestClient_AnnouncesItsProtocolVersion(t *testing.T) {
	s := newScripted(t)
	tb := newBrowserContext(t)
	tb.open(s.URL + "/")
	s.conn(t)
	q, err := url.ParseQuery(<-s.query)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(live.ProtocolVersion), q.Get("v"))
}

// A server of another protocol version (here the JSON one before version
// 2, whose ready message is an empty batch) makes the page reload once,
// for that server's client; a second one in a row leaves the page "gone".
func TestClient_AServerOfAnotherVersionReloadsThePageOnce(t *testing.T) {
	s := newScripted(t)
	old := "[]"
	s.ready.Store(&old)
	tb := newBrowserContext(t)
	tb.do(chromedp.Navigate(s.URL + "/"))
	require.Eventually(t, func() bool { return s.pages.Load() == 2 }, 10*time.Second, 20*time.Millisecond)
	tb.waitFor(`document.documentElement.dataset.stStatus === "gone"`)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, int32(2), s.pages.Load(), "no reload loop")

	s.ready.Store(nil)
	tb.open(s.URL + "/")
	tb.waitConnected()
}

//go:embed testdata/statetemplate-v1.min.js
var clientV1 []byte

// A tab whose page and client are from before version 2 (a client cached
// for an hour, a page loaded before a deploy) meets this server: the
// server refuses the old protocol, the page reloads once, and the tab
// goes on with this server's client and its own session.
//
// The old client continues its session either way the reload protocol
// allows: through the resume cookie it leaves as the page goes away, or,
// when the reload's request leaves before the browser has stored that
// cookie (the old client does not read it back, as this one does, and a
// loaded machine shows it), through prev= on the new page's handshake.
// So the test checks the session the page shows, not the route it took.
func TestClient_AnOldCachedClientReloadsIntoTheNewOne(t *testing.T) {
	base := startInProcess(t, 0)
	target, err := url.Parse(base)
	require.NoError(t, err)
	var loads atomic.Int32
	var oldTab atomic.Pointer[string] // the session the old page showed
	tabName := regexp.MustCompile(`id="tab-name">([^<]+)<`)
	proxy := httputil.NewSingleHostReverseProxy(target)
	// What the tab asked for, shown when the test fails: a reload loop, or
	// page loads refused, is plain there.
	var mu sync.Mutex
	var asked []string
	t0 := time.Now()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if t.Failed() {
			t.Logf("the tab's requests:\n%s", strings.Join(asked, "\n"))
		}
	})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, fmt.Sprintf("%8v %s %.80s", time.Since(t0).Round(time.Millisecond), r.Method, r.URL))
		mu.Unlock()
		switch {
		case r.URL.Path == "/old.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(clientV1)
		case r.URL.Path == "/" && loads.Add(1) == 1:
			// The page as the old server served it: the old client's tag.
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			if m := tabName.FindStringSubmatch(rec.Body.String()); m != nil {
				oldTab.Store(&m[1])
			}
			w.WriteHeader(rec.Code)
			w.Write([]byte(strings.Replace(rec.Body.String(), `src="/statetemplate.js?v=5"`, `src="/old.js"`, 1)))
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)

	tb := newBrowserContext(t)
	tb.do(chromedp.Navigate(front.URL + "/"))
	require.Eventually(t, func() bool { return loads.Load() == 2 }, 10*time.Second, 20*time.Millisecond, "the old client reloads")
	tb.waitConnected()
	assert.True(t, eval[bool](tb, `document.querySelector('script[src="/statetemplate.js?v=5"]') !== null`), "this server's client")
	require.NotNil(t, oldTab.Load(), "the old page showed its session")
	tb.waitFor(fmt.Sprintf(`document.querySelector("#tab-name").textContent === %q`, *oldTab.Load())) // the reload continued the tab's session
	tb.click("#increment")
	tb.waitFor(`document.querySelector("#counter-display").textContent.trim() === "1"`)
	assert.Equal(t, int32(2), loads.Load())
}
