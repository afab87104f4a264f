package memory_test

import (
	"testing"
	"time"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

func BenchmarkCreate(b *testing.B) {
	for _, bc := range []struct {
		name string
		max  int
	}{{"NoLimit", -1}, {"FullEvicting", 1000}} {
		b.Run(bc.name, func(b *testing.B) {
			s := memory.New(bc.max)
			now := time.Now()
			recs := make([]*session.Record, b.N)
			for i := range recs {
				recs[i] = record(now)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := s.Create(ctx, recs[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUpdateParallel(b *testing.B) {
	s := memory.New(-1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := record(time.Now())
		r.IdleTimeout = time.Minute
		if err := s.Create(ctx, r); err != nil {
			b.Fatal(err)
		}
		for pb.Next() {
			n := bump(r)
			n.LastAccess = n.LastAccess.Add(time.Second)
			if err := s.Update(ctx, n); err != nil {
				b.Fatal(err)
			}
			r = n
		}
	})
}

func BenchmarkExpired(b *testing.B) {
	s := memory.New(-1)
	now := time.Now()
	for i := range 100_000 {
		r := record(now)
		r.ExpiresAt = now.Add(time.Duration(i) * time.Millisecond)
		if err := s.Create(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Expired(ctx, now.Add(time.Hour), 512); err != nil {
			b.Fatal(err)
		}
	}
}
