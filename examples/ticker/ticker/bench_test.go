package ticker

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live"
)

// BenchmarkTicker_PublishToTabs measures one tick published to 200 tabs of
// the ticker page, until every tab's frame has been written: per tab, the
// payload's decode, the handler, RenderFragments (template, fragments,
// diff, store write), JSON and the socket write. The tabs read in this
// process, so a WebSocket read per tab is included. cpu-ns/tab is the
// process's CPU time per tab per publish, the figure to compare on a shared
// machine; ns/tab is the wall time, which equals it divided by the cores
// in use on an idle machine.
func BenchmarkTicker_PublishToTabs(b *testing.B) {
	for _, store := range []string{"memory", "bolt"} {
		b.Run(store, func(b *testing.B) {
			var opts []statetemplate.Option
			if store == "bolt" {
				opts = append(opts, statetemplate.WithBoltStore(filepath.Join(b.TempDir(), "ticker.db")))
			}
			benchmarkTicks(b, 200, opts)
		})
	}
}

func benchmarkTicks(b *testing.B, tabs int, opts []statetemplate.Option) {
	r, err := statetemplate.New(Page, opts...)
	require.NoError(b, err)
	m := NewMarket(5, t0)
	var written, target atomic.Int64
	all := make(chan struct{}, 1)
	app, err := New(r, m, live.WithPageRateLimit(0, 1), live.WithPushObserver(func(live.PushDelivery) {
		if written.Add(1) == target.Load() {
			all <- struct{}{}
		}
	}))
	require.NoError(b, err)
	srv := httptest.NewServer(app)
	b.Cleanup(func() {
		srv.Close()
		app.Close()
		r.Close()
	})
	for range tabs {
		tab := livetest.Open(b, srv.URL, nil)
		tab.Send(b, `{"action":"unwatch","symbol":"-","_seq":1}`) // answered after the connect hook
		tab.Next(b)
		go func() {
			for {
				if _, _, err := tab.WS.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
	ctx := context.Background()
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := livetest.ProcessCPU()
	for b.Loop() {
		now = now.Add(time.Second)
		target.Store(written.Load() + int64(tabs))
		if err := app.Publish(ctx, Topic, m.Next(now)); err != nil {
			b.Fatal(err)
		}
		<-all
	}
	b.ReportMetric(float64((livetest.ProcessCPU()-cpu).Nanoseconds())/float64(b.N)/float64(tabs), "cpu-ns/tab")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(tabs), "ns/tab")
}
