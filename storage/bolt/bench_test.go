package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livefir/statetemplate/session"
)

// BenchmarkCreate measures Store.Create (committed and fsynced before it
// returns) with 1 and 64 concurrent callers.
//
//	go test -run '^$' -bench 'Create$' -benchtime 5000x ./storage/bolt
func BenchmarkCreate(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "s.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			now := time.Now().UTC()
			recs := make([]*session.Record, b.N)
			for i := range recs {
				recs[i] = newRec(b, now, time.Hour, "bench")
			}
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
						if err := s.Create(context.Background(), recs[i]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
		})
	}
}

// BenchmarkGet measures Get of a committed record (read + decode).
//
//	go test -run '^$' -bench 'Get$' ./storage/bolt
func BenchmarkGet(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "s.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := newRec(b, time.Now().UTC(), time.Hour, "bench")
	if err := s.Create(context.Background(), r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Get(context.Background(), r.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate measures Update within the window (the RenderFragments
// path): a compare-and-set against the pending set or the record header.
//
//	go test -run '^$' -bench 'Update$' ./storage/bolt
func BenchmarkUpdate(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "s.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := newRec(b, time.Now().UTC(), time.Hour, "bench")
	if err := s.Create(context.Background(), r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cur := r
	for range b.N {
		n := cur.Clone()
		n.Rev++
		if err := s.Update(context.Background(), n); err != nil {
			b.Fatal(err)
		}
		cur = n
	}
}
