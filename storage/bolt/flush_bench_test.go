package bolt

import (
	"bytes"
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/benchclock"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/session"
)

// tickerGroup is what a push gives the ~100 tabs of one watchlist that
// share a transition: one data encoding and one fragment state, held by
// every one of their records (internal/plan's shared transitions).
type tickerGroup struct {
	data  []byte
	state *fragments.State
}

// tickerGroups renders the ticker fixture for n watchlists at the
// market's current prices.
func tickerGroups(tb testing.TB, m *fixture.Market, n int) []tickerGroup {
	tb.Helper()
	tmpl := fixture.NewTickerTemplate()
	out := make([]tickerGroup, n)
	for g := range out {
		d := m.NewTickerTab(fixture.TickerWatchlist(g)...)
		var page bytes.Buffer
		require.NoError(tb, tmpl.Execute(&page, d))
		st, err := fragments.NewState(page.Bytes())
		require.NoError(tb, err)
		enc, err := session.EncodeData(d)
		require.NoError(tb, err)
		out[g] = tickerGroup{data: enc, state: st}
	}
	return out
}

// BenchmarkLazyFlush_Ticker measures the writer's flushes of one lazy
// window of the ticker at 2,000 tabs: every session pushed, its records
// sharing the data and fragment state of its group of 100 (20
// watchlists), then written (encoding and commits, fsyncs included),
// either in one flush (whole: Flush, Close, and a lazy window's flush
// before slices) or a slice at a time at the slices' slots (slices: the
// writer's flushes during a lazy window). ns/op is one window's flushing;
// µs/record divides it by 2,000, and cpu-µs/record divides the process's
// CPU time during the flushes (the writer's, the garbage collector's, not
// the fsyncs' wait) by 2,000: the figure the push's fan-out competes
// with. max-cpu-ms/flush is the largest single flush's CPU time: what
// the one publish that meets it loses.
//
//	go test -run '^$' -bench 'LazyFlush_Ticker' -benchtime 20x ./storage/bolt
func BenchmarkLazyFlush_Ticker(b *testing.B) {
	b.Run("whole", func(b *testing.B) {
		benchLazyFlush(b, func(s *Store) []time.Duration {
			start := benchclock.Now()
			require.NoError(b, s.flushAll(context.Background()))
			return []time.Duration{benchclock.Now() - start}
		})
	})
	b.Run("slices", func(b *testing.B) {
		benchLazyFlush(b, func(s *Store) []time.Duration {
			var slots []time.Time
			for k := range lazySlices {
				if since := s.pending.lazySince[k].Load(); since != 0 {
					slots = append(slots, lazySlot(k, since, s.opts.lazyWindow))
				}
			}
			slices.SortFunc(slots, time.Time.Compare)
			s.pending.lastLazy.Store(0) // the pushes have paused: each slot is flushed
			var cpus []time.Duration
			for _, slot := range slots {
				var cpu time.Duration
				require.NoError(b, s.submit(context.Background(), &op{kind: opExclusive, fn: func() error {
					start := benchclock.Now()
					s.flushDue(slot)
					cpu = benchclock.Now() - start
					return nil
				}}))
				cpus = append(cpus, cpu)
			}
			require.Zero(b, s.pending.n.Load(), "the window's slices wrote every session")
			return cpus
		})
	})
}

// benchLazyFlush pushes the ticker's 2,000 sessions once per iteration
// and has flush write them, timing it; flush returns each flush's CPU.
func benchLazyFlush(b *testing.B, flush func(*Store) []time.Duration) {
	const tabs, groups = 2000, 20
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, _ := openTemp(b, WithUpdateWindow(1000*time.Hour), WithLazyWindow(1000*time.Hour))
	m := fixture.NewMarket(1)
	now := time.Now().UTC()
	gs := tickerGroups(b, m, groups)
	recs := make([]*session.Record, tabs)
	for i := range recs {
		g := gs[i%groups]
		recs[i] = &session.Record{
			Format: session.FormatVersion, ID: session.NewID(), Rev: 1,
			Created: now, LastAccess: now, ExpiresAt: now.Add(24 * time.Hour),
			DataType: "fixture.TickerData", Data: g.data, Fragments: g.state,
		}
		require.NoError(b, s.Create(ctx, recs[i]))
	}
	var cpu, most time.Duration
	var txs atomic.Int64
	s.writeHook = func(time.Duration) { txs.Add(1) }
	before := s.db.Stats().TxStats
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		m.Tick()
		gs = tickerGroups(b, m, groups)
		at := time.Now().UTC()
		for i, r := range recs {
			g := gs[i%groups]
			n := r.Clone()
			n.Rev++
			n.LastAccess, n.Data, n.Fragments = at, g.data, g.state
			require.NoError(b, s.Update(lazy, n))
			recs[i] = n
		}
		b.StartTimer()
		for _, c := range flush(s) {
			cpu += c
			most = max(most, c)
		}
	}
	b.StopTimer()
	after := s.db.Stats().TxStats
	v, err := encodeValue(recs[0])
	require.NoError(b, err)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*tabs), "µs/record")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*tabs), "cpu-µs/record")
	b.ReportMetric(float64(most.Microseconds())/1000, "max-cpu-ms/flush")
	b.ReportMetric(float64(len(v)), "B/record")
	// What the commits rewrite: pages written (an overflow run counts once)
	// and their bytes, per window.
	b.ReportMetric(float64(txs.Load())/float64(b.N), "txs/window")
	writes := after.GetWrite() - before.GetWrite()
	b.ReportMetric(float64(writes)/float64(b.N), "page-writes/window")
	b.ReportMetric(float64(after.GetPageAlloc()-before.GetPageAlloc())/float64(b.N)/1024, "KiB-written/window")
}
