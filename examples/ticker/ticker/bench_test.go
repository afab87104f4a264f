package ticker

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

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
	var written, target atomic.Int64
	all := make(chan struct{}, 1)
	s := startServer(b, opts, live.WithPageRateLimit(0, 1), live.WithPushObserver(func(live.PushDelivery) {
		if written.Add(1) == target.Load() {
			all <- struct{}{}
		}
	}))
	for range tabs {
		tab := s.open(b)
		go func() {
			for {
				if _, _, err := tab.WS.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := livetest.ProcessCPU()
	for b.Loop() {
		target.Store(written.Load() + int64(tabs))
		s.tick(b)
		<-all
	}
	b.ReportMetric(float64((livetest.ProcessCPU()-cpu).Nanoseconds())/float64(b.N)/float64(tabs), "cpu-ns/tab")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(tabs), "ns/tab")
}
