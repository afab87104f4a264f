package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeServer answers each connection's first `answer` actions with "[]"
// and ignores the rest, until released.
type fakeServer struct {
	answer  int
	release chan struct{}
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	if err := ws.Write(r.Context(), websocket.MessageText, []byte(readyMessage)); err != nil {
		return
	}
	for n := 0; ; n++ {
		if _, _, err := ws.Read(r.Context()); err != nil {
			return
		}
		if n >= f.answer {
			select {
			case <-f.release:
			case <-r.Context().Done():
				return
			}
		}
		if err := ws.Write(r.Context(), websocket.MessageText, []byte("[]")); err != nil {
			return
		}
	}
}

func dialFake(t *testing.T, url string, n int) []*conn {
	t.Helper()
	refs := make([]sessionRef, n)
	for i := range refs {
		refs[i] = sessionRef{cookie: "x=1", wsURL: "ws" + strings.TrimPrefix(url, "http")}
	}
	conns, errs, err := dialAll(context.Background(), refs, 4, quiet(t))
	require.NoError(t, err)
	require.Zero(t, errs)
	return conns
}

func TestDriver_AnswersAreTimedAndCountedPerAction(t *testing.T) {
	f := &fakeServer{answer: 1 << 30, release: make(chan struct{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d := newDriver(dialFake(t, srv.URL, 4))
	defer d.close()

	st := newPhaseStats()
	d.run(context.Background(), 100, 500*time.Millisecond, time.Second, st, quiet(t))

	assert.Equal(t, st.sent.Load(), st.completed.Load())
	// The rate is a ceiling: 100/s for half a second sends at most 50 (and
	// one more for the tick at the start); a loaded machine sends fewer.
	assert.Positive(t, st.completed.Load())
	assert.LessOrEqual(t, st.completed.Load(), int64(51), "100/s for half a second")
	assert.Equal(t, st.completed.Load(), st.rtt.Summary().Count)
	assert.Equal(t, 2*st.completed.Load(), st.bytes.Load(), `every answer is "[]"`)
	var perAction int64
	for _, a := range st.perAction() {
		perAction += a.Count
	}
	assert.Equal(t, st.completed.Load(), perAction)
	assert.Zero(t, st.unanswered.Load())
}

func TestDial_WaitsForTheReadyMessage(t *testing.T) {
	tests := []struct {
		name  string
		first string
		ok    bool
	}{
		{"ready", readyMessage, true},
		{"an update before ready", "\x1erx\x1f<p id=\"x\">", false},
		{"the ready message of another version", "[]", false},
		{"an error", `{"error":"internal"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ws, err := websocket.Accept(w, r, nil)
				if err != nil {
					return
				}
				defer ws.CloseNow()
				_ = ws.Write(r.Context(), websocket.MessageText, []byte(tt.first))
				_, _, _ = ws.Read(r.Context())
			}))
			defer srv.Close()
			c, err := dial(context.Background(), sessionRef{cookie: "x=1", wsURL: "ws" + strings.TrimPrefix(srv.URL, "http")})
			if !tt.ok {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "ready message")
				return
			}
			require.NoError(t, err)
			c.ws.CloseNow()
		})
	}
}

func TestDriver_ConnectionsStartAtDifferentPointsOfTheCycle(t *testing.T) {
	f := &fakeServer{answer: 1 << 30, release: make(chan struct{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d := newDriver(dialFake(t, srv.URL, len(cycle)))
	defer d.close()
	var first []string
	for _, c := range d.conns {
		c.newTask = "1" // as if each had added a task already
		c.next()
		first = append(first, c.kind)
	}
	assert.ElementsMatch(t, cycle[:], first, "a phase in which each connection acts once still sees every action")
}

func TestDriver_UnansweredActionsCountAtTheirAgeAndTheirLateAnswersAreNotTimed(t *testing.T) {
	f := &fakeServer{answer: 1, release: make(chan struct{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d := newDriver(dialFake(t, srv.URL, 3))
	defer d.close()

	st := newPhaseStats()
	d.run(context.Background(), 100, 300*time.Millisecond, 100*time.Millisecond, st, quiet(t))
	assert.Equal(t, int64(3), st.completed.Load(), "one answer per connection")
	assert.Equal(t, int64(3), st.unanswered.Load(), "then one action each left in flight")
	assert.Positive(t, st.missed.Load(), "no idle connection for the rest")
	s := st.rtt.Summary()
	assert.Equal(t, int64(6), s.Count, "the unanswered are in the percentiles too")
	assert.GreaterOrEqual(t, s.Max, 100*time.Millisecond, "at least their age at the end")

	next := newPhaseStats()
	d.stats.Store(next)
	close(f.release)
	require.Eventually(t, func() bool { return next.late.Load() == 3 }, 5*time.Second, 10*time.Millisecond)
	assert.Zero(t, next.completed.Load(), "a late answer is not timed in the next phase")
	assert.Len(t, d.idle, 3, "late answers free their connections")
}

// quiet returns a progress display that shows nothing, closed at the end
// of the test.
func quiet(t *testing.T) *progress {
	p := newProgress(nil, "off")
	t.Cleanup(p.Close)
	return p
}
