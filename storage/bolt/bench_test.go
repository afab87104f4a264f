package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// BenchmarkCreate measures Store.Create (committed and fsynced before it
// returns) with 1 and 64 concurrent callers.
//
//	go test -run '^$' -bench 'Create$' -benchtime 5000x ./storage/bolt
func BenchmarkCreate(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			s, _ := openTemp(b)
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
	s, r := openWithRecord(b)
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
	s, r := openWithRecord(b)
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

// BenchmarkSweepWriteLock deletes 100,000 expired sessions the way the
// manager's sweep does (Expired in batches of 512, then Delete each) and
// reports the write-lock hold time of the transactions, fsync included.
//
//	go test -run '^$' -bench SweepWriteLock -benchtime 1x ./storage/bolt
func BenchmarkSweepWriteLock(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "s.db"))
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now().UTC()
		for start := 0; start < n; start += 5000 { // bulk load, 5,000 per transaction
			err := s.update(func(tx *bbolt.Tx) error {
				sb, ib := tx.Bucket(bucketSessions), tx.Bucket(bucketExpiry)
				for range 5000 {
					r := newRec(b, now.Add(-2*time.Hour), time.Hour, "an expired session of the sweep benchmark")
					v, err := encodeValue(r)
					if err != nil {
						return err
					}
					if err := sb.Put(r.ID[:], v); err != nil {
						return err
					}
					if err := ib.Put(indexKey(sortableTime(r.Deadline()), r.ID), nil); err != nil {
						return err
					}
				}
				return addCount(tx, 5000)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		s.count.Store(n)
		var mu sync.Mutex
		var ds []time.Duration
		s.writeHook = func(d time.Duration) { mu.Lock(); ds = append(ds, d); mu.Unlock() }
		b.StartTimer()
		deleted := 0
		for {
			ids, err := s.Expired(ctx, now, 512)
			if err != nil {
				b.Fatal(err)
			}
			if len(ids) == 0 {
				break
			}
			for _, id := range ids {
				if err := s.Delete(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			deleted += len(ids)
		}
		b.StopTimer()
		if deleted != n {
			b.Fatalf("deleted %d of %d", deleted, n)
		}
		_ = s.Close()
		slices.Sort(ds)
		b.ReportMetric(float64(len(ds)), "txs")
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "tx-p50-µs")
		b.ReportMetric(float64(ds[len(ds)*9/10].Microseconds()), "tx-p90-µs")
		b.ReportMetric(float64(ds[len(ds)-1].Microseconds()), "tx-max-µs")
	}
}

// openWithRecord returns a store in a temporary file holding one record.
func openWithRecord(b *testing.B) (*Store, *session.Record) {
	b.Helper()
	s, _ := openTemp(b)
	r := newRec(b, time.Now().UTC(), time.Hour, "bench")
	require.NoError(b, s.Create(context.Background(), r))
	return s, r
}
