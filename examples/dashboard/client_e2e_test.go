package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/fragments"
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
	conns  chan *websocket.Conn
	recv   chan string
}

const scriptedPage = `<!DOCTYPE html><html><head>%s</head><body>
<p id="a">A</p>
<ul id="list"><li id="i1">1</li></ul>
<input id="field" value="">
</body></html>`

func newScripted(t *testing.T) *scripted {
	s := &scripted{conns: make(chan *websocket.Conn, 4), recv: make(chan string, 64)}
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
		if s.refuse.Load() {
			ws.Close(live.CloseSessionGone, "session gone")
			return
		}
		ws.Write(r.Context(), websocket.MessageText, []byte("[]")) // ready
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

func push(t *testing.T, ws *websocket.Conn, updates ...statetemplate.Update) {
	t.Helper()
	for i := range updates {
		if updates[i].HTML != "" && updates[i].HTMLHash == "" {
			updates[i].HTMLHash = fragments.HashHTML(updates[i].HTML)
		}
	}
	b, err := json.Marshal(updates)
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
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			push(t, ws, tc.update, statetemplate.Update{FragmentID: "a", Action: "replace", HTML: `<p id="a">after</p>`})
			s.expectRecv(t, `{"action":"_resync"}`)
			assert.Equal(t, "A", tb.text("#a"), "nothing after the failed update is applied")
		})
	}
	push(t, ws, statetemplate.Update{IsNoOp: true})
	assert.Equal(t, "A", tb.text("#a"))
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
