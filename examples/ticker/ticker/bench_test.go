package ticker

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

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
// in use on an idle machine. pages=alike gives every tab the same
// (empty) watchlist, so that the tabs of a tick share one transition
// (internal/plan's transitions); pages=distinct gives each tab a
// watchlist of its own, so that no two tabs' pages are alike and each
// renders its own.
func BenchmarkTicker_PublishToTabs(b *testing.B) {
	for _, store := range []string{"memory", "bolt"} {
		for _, distinct := range []bool{false, true} {
			pages := map[bool]string{false: "pages=alike", true: "pages=distinct"}[distinct]
			b.Run(store+"/"+pages, func(b *testing.B) {
				var opts []statetemplate.Option
				if store == "bolt" {
					opts = append(opts, statetemplate.WithBoltStore(filepath.Join(b.TempDir(), "ticker.db")))
				}
				benchmarkTicks(b, 200, distinct, opts)
			})
		}
	}
}

// distinctWatchlist is the watchlist of tab i of up to 1,023 whose
// watchlists all differ: the symbols of the bits of i+1, at most MaxWatch.
func distinctWatchlist(i int) []string {
	var w []string
	for bits, j := i+1, 0; bits != 0 && j < len(Symbols); bits, j = bits>>1, j+1 {
		if bits&1 != 0 {
			w = append(w, Symbols[j])
		}
	}
	return w
}

func benchmarkTicks(b *testing.B, tabs int, distinct bool, opts []statetemplate.Option) {
	var written, target atomic.Int64
	all := make(chan struct{}, 1)
	s := startServer(b, opts, live.WithPageRateLimit(0, 1), live.WithPushObserver(func(live.PushDelivery) {
		if written.Add(1) == target.Load() {
			all <- struct{}{}
		}
	}))
	for i := range tabs {
		tab := s.open(b)
		if distinct {
			for k, sym := range distinctWatchlist(i) {
				seq := int64(k + 2)
				tab.Send(b, fmt.Sprintf(`{"action":"watch","symbol":%q,"_seq":%d}`, sym, seq))
				require.Equal(b, seq, tab.Next(b).Ack, "the acknowledgment")
			}
		}
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
