package live_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live"
)

// BenchmarkPublish_FanOut measures one Publish to 200 subscribed tabs of
// the small feed page, until every tab's frame has been written: decode,
// handler, RenderFragments, JSON and the socket write per tab, on the push
// workers. The tabs read on their own goroutines in this process, so the
// figure includes a WebSocket read per tab. cpu-ns/tab is the process's
// CPU time per tab per publish; ns/tab the wall time.
func BenchmarkPublish_FanOut(b *testing.B) {
	const tabs = 200
	var written, target atomic.Int64
	all := make(chan struct{}, 1)
	ps := newPushServer(b, live.WithPageRateLimit(0, 1), live.WithPushObserver(func(live.PushDelivery) {
		if written.Add(1) == target.Load() {
			all <- struct{}{}
		}
	}))
	for range tabs {
		ws := subscribedTab(b, ps.URL, "price")
		go func() {
			for {
				if _, _, err := ws.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
	ctx := context.Background()
	b.ReportAllocs()
	cpu := livetest.ProcessCPU()
	for i := 0; b.Loop(); i++ {
		target.Store(written.Load() + tabs)
		if err := ps.app.Publish(ctx, "price", tick{Seq: i + 1}); err != nil {
			b.Fatal(err)
		}
		<-all
	}
	b.ReportMetric(float64((livetest.ProcessCPU()-cpu).Nanoseconds())/float64(b.N)/tabs, "cpu-ns/tab")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/tabs, "ns/tab")
}

// subscribedTab connects a tab subscribed at connect time to topics, and
// returns once it is: the answer to an action comes after the connect hook.
func subscribedTab(tb testing.TB, base string, topics ...string) *websocket.Conn {
	tb.Helper()
	br := newBrowser(tb)
	ref, _ := br.load(base)
	ws, _, err := br.dial(base, ref, http.Header{"X-Topics": {strings.Join(topics, ",")}})
	require.NoError(tb, err)
	tb.Cleanup(func() { ws.CloseNow() })
	expectReady(tb, ws)
	ctx := context.Background()
	require.NoError(tb, ws.Write(ctx, websocket.MessageText, []byte(`{"action":"whoami"}`)))
	_, msg, err := ws.Read(ctx)
	require.NoError(tb, err)
	require.True(tb, json.Valid(msg) && msg[0] == '{', "the whoami answer, got %s", msg)
	return ws
}
