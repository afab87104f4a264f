package resilient_test

import (
	"context"
	"testing"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
	"github.com/livefir/statetemplate/storage/resilient"
)

// BenchmarkGet measures what the circuit adds to a read: the same Get on
// a bare memory store and through the resilient wrapper, healthy and
// degraded.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mk   func(b *testing.B) (session.Store, *flaky)
	}{
		{"bare", func(b *testing.B) (session.Store, *flaky) { return memory.New(-1), nil }},
		{"healthy", func(b *testing.B) (session.Store, *flaky) {
			f := &flaky{Store: memory.New(-1)}
			s := resilient.New(f, resilient.Config{})
			b.Cleanup(func() { _ = s.Close() })
			return s, f
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := tc.mk(b)
			rec := &session.Record{ID: session.NewID(), Rev: 1}
			if err := s.Create(ctx, rec); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, rec.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("degraded", func(b *testing.B) {
		f := &flaky{Store: memory.New(-1)}
		s := resilient.New(f, resilient.Config{ProbeInterval: 1 << 40})
		b.Cleanup(func() { _ = s.Close() })
		f.down.Store(true)
		rec := &session.Record{ID: session.NewID(), Rev: 1}
		if err := s.Create(ctx, rec); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Get(ctx, rec.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
