package statetemplate

import (
	"context"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/livefir/statetemplate/storage/bolt"
)

// Benchmarks of the durable store. Figures are in BENCHMARKS.md ("Durable
// store"); the commands are in each benchmark's comment.

func newBenchBolt(b *testing.B, path string, opts ...Option) *Renderer {
	b.Helper()
	r, err := newBenchBoltErr(path, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func newBenchBoltErr(path string, opts ...Option) (*Renderer, error) {
	return New(template.Must(template.New("page").Parse(boltTemplate)),
		append([]Option{WithBoltStore(path), WithDataTypes(&boltPage{})}, opts...)...)
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[int(float64(len(d)-1)*p)]
}

// BenchmarkBoltCreateSession measures durable CreateSession (fsynced
// before it returns) with 1 and 64 concurrent callers, reporting p50/p99
// latency and creates/s.
//
//	go test -run '^$' -bench BoltCreateSession -benchtime 2000x .
func BenchmarkBoltCreateSession(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			r := newBenchBolt(b, filepath.Join(b.TempDir(), "s.db"))
			defer r.Close()
			ctx := context.Background()
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range callers {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						t0 := time.Now()
						if _, err := r.CreateSession(ctx, boltData(i, 0)); err != nil {
							b.Error(err)
							return
						}
						lat[i] = time.Since(t0)
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(percentile(lat, 0.50).Microseconds()), "p50-µs")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
		})
	}
}

// BenchmarkRenderFragments_Store compares RenderFragments on the bolt
// store (updates written within the window) with the memory store.
//
//	go test -run '^$' -bench RenderFragments_Store -count 6 .
func BenchmarkRenderFragments_Store(b *testing.B) {
	stores := []struct {
		name string
		opts func(b *testing.B) []Option
	}{
		{"memory", func(*testing.B) []Option { return nil }},
		{"bolt", func(b *testing.B) []Option {
			return []Option{WithBoltStore(filepath.Join(b.TempDir(), "s.db")), WithDataTypes(&boltPage{})}
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			r, s := openBenchSession(b, st.opts(b)...)
			defer r.Close()
			defer s.Close()
			ctx := context.Background()
			data := []*boltPage{boltData(1, 1), boltData(1, 2)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.RenderFragments(ctx, data[i&1]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderFragments_BoltOverMemory runs RenderFragments on a bolt
// session and a memory session in alternating blocks of 50, so that both
// see the same machine load, and reports the bolt/memory ratio of wall
// time and of process CPU time (which includes the bolt writer's
// background flushes, and is less disturbed by other processes).
//
//	go test -run '^$' -bench BoltOverMemory -benchtime 20000x .
func BenchmarkRenderFragments_BoltOverMemory(b *testing.B) {
	ctx := context.Background()
	mr, ms := openBenchSession(b)
	defer mr.Close()
	br, bs := openBenchSession(b, WithBoltStore(filepath.Join(b.TempDir(), "s.db")), WithDataTypes(&boltPage{}))
	defer br.Close()
	data := []*boltPage{boltData(1, 1), boltData(1, 2)}
	var tMem, tBolt, cMem, cBolt time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i += 100 {
		for _, side := range []struct {
			s    *Session
			t, c *time.Duration
		}{{ms, &tMem, &cMem}, {bs, &tBolt, &cBolt}} {
			t0, c0 := time.Now(), cpuTime()
			for k := range 50 {
				if _, err := side.s.RenderFragments(ctx, data[k&1]); err != nil {
					b.Fatal(err)
				}
			}
			*side.t += time.Since(t0)
			*side.c += cpuTime() - c0
		}
	}
	b.StopTimer()
	_ = ms.Close()
	_ = bs.Close()
	b.ReportMetric(float64(tBolt)/float64(tMem), "bolt/memory-wall")
	b.ReportMetric(float64(cBolt)/float64(cMem), "bolt/memory-cpu")
	b.ReportMetric(float64(tMem.Nanoseconds())/float64(b.N/2), "memory-ns/op")
	b.ReportMetric(float64(tBolt.Nanoseconds())/float64(b.N/2), "bolt-ns/op")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fillBolt creates n sessions in a new file at path, with 64 callers, and
// returns their tokens. Sessions expire after ttl.
func fillBolt(b *testing.B, path string, n int, ttl time.Duration) []string {
	b.Helper()
	r := newBenchBolt(b, path, WithExpiration(ttl))
	toks := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				tok, err := r.CreateSession(context.Background(), boltData(i, 1))
				if err != nil {
					b.Error(err)
					return
				}
				toks[i] = tok
			}
		})
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
	return toks
}

const benchSessions = 100_000

var (
	bigFileOnce sync.Once
	bigFilePath string
	bigFileToks []string
)

// bigFile returns a file of 100,000 sessions and their tokens. It is
// kept in os.TempDir()/statetemplate-bench-100k between runs (building it
// takes a while) and rebuilt when it does not open or hold them all.
func bigFile(b *testing.B) (string, []string) {
	bigFileOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), "statetemplate-bench-100k")
		path, tokPath := filepath.Join(dir, "big.db"), filepath.Join(dir, "tokens.txt")
		if raw, err := os.ReadFile(tokPath); err == nil {
			toks := strings.Fields(string(raw))
			if r, err := newBenchBoltErr(path); err == nil {
				st, _ := r.Stats(context.Background())
				ok := st.Sessions == benchSessions && len(toks) == benchSessions && r.ValidateToken(toks[0])
				_ = r.Close()
				if ok {
					bigFilePath, bigFileToks = path, toks
					return
				}
			}
		}
		_ = os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			b.Fatal(err)
		}
		toks := fillBolt(b, path, benchSessions, 24*365*time.Hour)
		if err := os.WriteFile(tokPath, []byte(strings.Join(toks, "\n")), 0o600); err != nil {
			b.Fatal(err)
		}
		bigFilePath, bigFileToks = path, toks
	})
	return bigFilePath, bigFileToks
}

// BenchmarkBoltReopen measures New with a file of 100,000 sessions plus
// the first RenderPage: the time to serve again after a restart.
// It also reports the file's bytes per session.
//
//	go test -run '^$' -bench BoltReopen -benchtime 20x .
func BenchmarkBoltReopen(b *testing.B) {
	path, toks := bigFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		r := newBenchBolt(b, path)
		if _, err := r.RenderPage(toks[(i*7919)%len(toks)]); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = r.Close()
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(fi.Size())/benchSessions, "file-B/session")
}

// BenchmarkBoltHeapPerSession opens the 100,000-session file, renders
// every session's page once (so every session went through the cache)
// and reports the live heap growth per session beyond the cache budget.
//
//	go test -run '^$' -bench BoltHeapPerSession -benchtime 1x .
func BenchmarkBoltHeapPerSession(b *testing.B) {
	path, toks := bigFile(b)
	const budget = 16 << 20
	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		r := newBenchBolt(b, path, WithCacheBudget(budget))
		for _, tok := range toks {
			if _, err := r.RenderPage(tok); err != nil {
				b.Fatal(err)
			}
		}
		st, _ := r.Stats(context.Background())
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		b.ReportMetric(float64(heap)/benchSessions, "heap-B/session")
		b.ReportMetric(float64(heap-budget)/benchSessions, "heap-beyond-cache-B/session")
		b.ReportMetric(float64(st.Cache.Hits), "cache-hits")
		runtime.KeepAlive(r)
		_ = r.Close()
	}
}

// BenchmarkBoltSweep measures sweeping 100,000 expired sessions.
//
//	go test -run '^$' -bench BoltSweep -benchtime 1x .
func BenchmarkBoltSweep(b *testing.B) {
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "expired.db")
		fillBolt(b, path, benchSessions, time.Second)
		time.Sleep(1100 * time.Millisecond)
		r := newBenchBolt(b, path)
		b.StartTimer()
		n, err := r.Sweep(context.Background())
		b.StopTimer()
		if err != nil || n != benchSessions {
			b.Fatalf("swept %d, err %v", n, err)
		}
		st, _ := r.Stats(context.Background())
		if st.Sessions != 0 {
			b.Fatalf("%d sessions left", st.Sessions)
		}
		b.ReportMetric(float64(st.File.LongestWrite.Microseconds()), "longest-write-tx-µs")
		_ = r.Close()
		ro, err := bolt.OpenReadOnly(path, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if rep, err := ro.Check(context.Background()); err != nil || !rep.Consistent() {
			b.Fatalf("inconsistent after sweep: %+v %v", rep, err)
		}
		_ = ro.Close()
	}
}

// openBenchSession returns a renderer of boltTemplate with opts and an open
// handle on one session whose first page was rendered.
func openBenchSession(b *testing.B, opts ...Option) (*Renderer, *Session) {
	b.Helper()
	r, err := New(template.Must(template.New("page").Parse(boltTemplate)), opts...)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := r.CreateSession(context.Background(), boltData(1, 0))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := r.RenderPage(tok); err != nil {
		b.Fatal(err)
	}
	s, err := r.GetSession(tok)
	if err != nil {
		b.Fatal(err)
	}
	return r, s
}
