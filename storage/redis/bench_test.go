package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/livefir/statetemplate/session"
	rstore "github.com/livefir/statetemplate/storage/redis"
)

// benchRecord is a record with about 2 KiB of data, below the
// compression threshold.
func benchRecord(b *testing.B) *session.Record {
	b.Helper()
	now := time.Now().UTC()
	enc, err := session.EncodeData(make([]byte, 2048))
	if err != nil {
		b.Fatal(err)
	}
	return &session.Record{Format: session.FormatVersion, ID: session.NewID(), Rev: 1,
		Created: now, LastAccess: now, ExpiresAt: now.Add(time.Hour), DataType: "[]uint8", Data: enc}
}

// BenchmarkStore_Create: one create script round trip on loopback Redis.
func BenchmarkStore_Create(b *testing.B) {
	s := newStore(b, rstore.Config{})
	rec := benchRecord(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rec.ID = session.NewID()
		if err := s.Create(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStore_Get: one HGET and a record decode.
func BenchmarkStore_Get(b *testing.B) {
	s := newStore(b, rstore.Config{})
	rec := benchRecord(b)
	ctx := context.Background()
	if err := s.Create(ctx, rec); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, rec.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStore_Update: one compare-and-set script round trip, with and
// without compressing the record.
func BenchmarkStore_Update(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  rstore.Config
	}{
		{"plain", rstore.Config{CompressAbove: -1}},
		{"compressed", rstore.Config{CompressAbove: 1}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := newStore(b, tc.cfg)
			rec := benchRecord(b)
			ctx := context.Background()
			if err := s.Create(ctx, rec); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				rec.Rev++
				if err := s.Update(ctx, rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStore_UpdateParallel: updates of distinct sessions from every
// core, sharing the client's connection pool.
func BenchmarkStore_UpdateParallel(b *testing.B) {
	s := newStore(b, rstore.Config{})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rec := benchRecord(b)
		if err := s.Create(ctx, rec); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			rec.Rev++
			if err := s.Update(ctx, rec); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
