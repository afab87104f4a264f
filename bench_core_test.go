package statetemplate_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/benchclock"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/internal/heaptest"
)

// BenchmarkCreateSession: target ≤ 20 µs with the memory store.
func BenchmarkCreateSession(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []statetemplate.Option
	}{
		{"Memory", []statetemplate.Option{statetemplate.WithMaxSessions(1 << 30)}},
		{"MemoryFullEvictingLRU", []statetemplate.Option{statetemplate.WithMaxSessions(10_000)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := newRenderer(b, bc.opts...)
			ctx := context.Background()
			d := &page{Owner: "bench", Count: 1}
			if bc.name == "MemoryFullEvictingLRU" {
				for range 10_000 {
					if _, err := r.CreateSession(ctx, d); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := r.CreateSession(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDashboard compares, in one run, a plain template execution of
// the reference dashboard (50 tasks) with what a WebSocket message costs:
// GetSession, a counter change, RenderFragments, Close. Target: the
// second ≤ 2× the first.
func BenchmarkDashboard(b *testing.B) {
	ctx := context.Background()
	b.Run("PlainExecute", func(b *testing.B) {
		d := fixture.NewDashboard(50)
		var buf bytes.Buffer
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			d.Counter++
			if err := fixture.Render(&buf, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetSessionRenderFragments", func(b *testing.B) {
		r := newRendererOf(b, fixture.NewTemplate())
		tok := createRendered(b, r, fixture.NewDashboard(50))
		b.ReportAllocs()
		for b.Loop() {
			s, err := r.GetSession(tok)
			if err != nil {
				b.Fatal(err)
			}
			d := s.Data().(*fixture.DashboardData)
			d.Counter++
			ups, err := s.RenderFragments(ctx, d)
			if err != nil || len(ups) == 0 || ups[0].IsNoOp {
				b.Fatalf("updates %v, err %v", ups, err)
			}
			_ = s.Close()
		}
	})
	// Interleaved: each iteration times one plain execution and one session
	// update back to back, so that the ratio holds on a busy machine.
	b.Run("RatioToPlainExecute", func(b *testing.B) {
		r := newRendererOf(b, fixture.NewTemplate())
		tok := createRendered(b, r, fixture.NewDashboard(50))
		plain := fixture.NewDashboard(50)
		var (
			buf             bytes.Buffer
			tPlain, tSessed time.Duration
		)
		for b.Loop() {
			t0 := time.Now()
			buf.Reset()
			plain.Counter++
			if err := fixture.Render(&buf, plain); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			s, err := r.GetSession(tok)
			if err != nil {
				b.Fatal(err)
			}
			d := s.Data().(*fixture.DashboardData)
			d.Counter++
			if _, err := s.RenderFragments(ctx, d); err != nil {
				b.Fatal(err)
			}
			_ = s.Close()
			t2 := time.Now()
			tPlain += t1.Sub(t0)
			tSessed += t2.Sub(t1)
		}
		b.ReportMetric(float64(tSessed)/float64(tPlain), "x-plain")
	})
	b.Run("RenderFragmentsNoOp", func(b *testing.B) {
		r := newRendererOf(b, fixture.NewTemplate())
		_, s := openRendered(b, r, fixture.NewDashboard(50))
		d := s.Data()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.RenderFragments(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHeapPerIdleSession creates 100,000 sessions whose page was
// rendered, then measures the live heap per session after GC, the
// session's own (small) data included (target ≤ 8 KB). It reports B/session; run it with
// -benchtime 1x: the figure, not the time, is the result.
func BenchmarkHeapPerIdleSession(b *testing.B) {
	const n = 100_000
	for _, bc := range []struct {
		name string
		data func(i int) any
	}{
		{"Counter", func(i int) any { return &page{Owner: fmt.Sprint("owner-", i), Count: i} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				before := heaptest.Live()
				r, err := statetemplate.New(pageTmpl, statetemplate.WithMaxSessions(n))
				if err != nil {
					b.Fatal(err)
				}
				toks := make([]string, n)
				for i := range n {
					d := bc.data(i)
					toks[i], err = r.CreateSession(context.Background(), d)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := r.RenderPage(toks[i]); err != nil {
						b.Fatal(err)
					}
				}
				after := heaptest.Live()
				tokBytes := uint64(n * (len(toks[0]) + 16)) // the benchmark's own token slice
				perSession := float64(after-before-tokBytes) / n
				b.ReportMetric(perSession, "B/session")
				runtime.KeepAlive(toks)
				_ = r.Close()
			}
		})
	}
}

// BenchmarkHeapPerIdleDashboardSession does the same for 10,000 sessions
// of the reference dashboard (50 tasks), separating the data the app
// created (B/data) from what the sessions add on top: B/session right
// after the page was rendered (the CBOR snapshot, the fragment state of
// the rendered page, the incremental renderer's memo and the store's
// bookkeeping), and B/idle-session once the sessions have been idle
// longer than WithIdleCompaction's delay and a sweep compacted them
// (target ≤ 4 KB). The "same" sessions differ in one field (SessionID),
// the "distinct" ones in every task, the user and the counter.
func BenchmarkHeapPerIdleDashboardSession(b *testing.B) {
	for _, data := range []struct {
		name string
		make func(i int) *fixture.DashboardData
	}{{"same", sameDashboard}, {"distinct", distinctDashboard}} {
		for _, mode := range renderModes {
			b.Run(data.name+"/"+mode.name, func(b *testing.B) { heapPerIdleDashboardSession(b, data.make, mode.opts) })
		}
	}
}

// sameDashboard is the reference dashboard with its own SessionID.
func sameDashboard(i int) *fixture.DashboardData {
	d := fixture.NewDashboard(50)
	d.SessionID = fmt.Sprint("s-", i)
	return d
}

// distinctDashboard is a dashboard whose 50 tasks (ids, titles,
// descriptions, due dates), user name and counter differ from every other
// session's.
func distinctDashboard(i int) *fixture.DashboardData {
	d := sameDashboard(i)
	for k := range d.Tasks {
		d.Tasks[k] = fixture.NewTask(fmt.Sprint(i*100+k+1), i*7+k)
	}
	d.User.Name = fmt.Sprint("User ", i)
	d.Counter = i % d.MaxCounter
	return d
}

// heapPerIdleDashboardSession is one BenchmarkHeapPerIdleDashboardSession:
// with incremental rendering, a session also keeps its memo until it is
// compacted.
func heapPerIdleDashboardSession(b *testing.B, data func(i int) *fixture.DashboardData, opts []statetemplate.Option) {
	const n = 10_000
	for b.Loop() {
		clock := newClock()
		r, err := statetemplate.New(fixture.NewTemplate(), append(opts, statetemplate.WithMaxSessions(n), statetemplate.WithClock(clock.Now))...)
		if err != nil {
			b.Fatal(err)
		}
		base := heaptest.Live()
		datas := make([]*fixture.DashboardData, n)
		for i := range datas {
			datas[i] = data(i)
		}
		withData := heaptest.Live()
		toks := make([]string, n)
		for i, d := range datas {
			if toks[i], err = r.CreateSession(context.Background(), d); err != nil {
				b.Fatal(err)
			}
			if _, err := r.RenderPage(toks[i]); err != nil {
				b.Fatal(err)
			}
		}
		after := heaptest.Live()
		clock.Advance(statetemplate.DefaultIdleCompaction + time.Second)
		if _, err := r.Sweep(context.Background()); err != nil {
			b.Fatal(err)
		}
		idle := heaptest.Live()
		tokBytes := uint64(n * (len(toks[0]) + 16))
		b.ReportMetric(float64(withData-base)/n, "B/data")
		b.ReportMetric(float64(after-withData-tokBytes)/n, "B/session")
		b.ReportMetric(float64(idle-withData-tokBytes)/n, "B/idle-session")
		runtime.KeepAlive(datas)
		runtime.KeepAlive(toks)
		_ = r.Close()
	}
}

// BenchmarkCompactIdle times the sweep that compacts 1,000 idle dashboard
// sessions (50 tasks, distinct data) and reports its cost per session,
// wall and process CPU (benchclock): the background work of idle
// compaction. Each round renders every page again first (untimed), which
// restores the sessions.
func BenchmarkCompactIdle(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	clock := newClock()
	r := newRendererOf(b, fixture.NewTemplate(), statetemplate.WithMaxSessions(n), statetemplate.WithClock(clock.Now))
	toks := make([]string, n)
	for i := range toks {
		toks[i] = createRendered(b, r, distinctDashboard(i))
	}
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		for _, tok := range toks {
			if _, err := r.RenderPage(tok); err != nil {
				b.Fatal(err)
			}
		}
		clock.Advance(statetemplate.DefaultIdleCompaction + time.Second)
		runtime.GC()
		b.StartTimer()
		c0 := benchclock.Now()
		if _, err := r.Sweep(ctx); err != nil {
			b.Fatal(err)
		}
		cpu += benchclock.Now() - c0
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/session")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*n), "cpu-µs/session")
}
