package statetemplate_test

import (
	"context"
	"path/filepath"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// benchStores are the stores the Redis benchmarks set side by side, each
// in one run so that their ratios compare like with like.
var benchStores = []struct {
	name string
	opts func(b *testing.B) []statetemplate.Option
}{
	{"store=memory", func(b *testing.B) []statetemplate.Option { return nil }},
	{"store=bolt", func(b *testing.B) []statetemplate.Option {
		return []statetemplate.Option{statetemplate.WithBoltStore(filepath.Join(b.TempDir(), "sessions.db"))}
	}},
	{"store=redis", func(b *testing.B) []statetemplate.Option {
		addr := redistest.Own(b)
		c := goredis.NewClient(&goredis.Options{Addr: addr})
		b.Cleanup(func() { _ = c.Close() })
		prefix := redistest.Prefix(b, c) // keys deleted when the benchmark ends
		return []statetemplate.Option{statetemplate.WithRedisStore("redis://"+addr, statetemplate.RedisKeyPrefix(prefix))}
	}},
}

func benchRenderer(b *testing.B, opts []statetemplate.Option) *statetemplate.Renderer {
	b.Helper()
	opts = append(opts, statetemplate.WithDataTypes(&fixture.DashboardData{}), statetemplate.WithSecurity(testKey))
	r, err := statetemplate.New(fixture.NewTemplate(), opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.Close() })
	return r
}

// BenchmarkRedis_CreateSession: CreateSession of a 20-task dashboard, on
// each store (for Redis: one script round trip on loopback).
func BenchmarkRedis_CreateSession(b *testing.B) {
	ctx := context.Background()
	for _, s := range benchStores {
		b.Run(s.name, func(b *testing.B) {
			r := benchRenderer(b, s.opts(b))
			d := fixture.NewDashboard(20)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.CreateSession(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRedis_RenderFragments: RenderFragments on a live session of a
// 20-task dashboard, each call one fixture mutation away from the last, on
// each store (for Redis: one compare-and-set script round trip per call).
func BenchmarkRedis_RenderFragments(b *testing.B) {
	ctx := context.Background()
	for _, s := range benchStores {
		b.Run(s.name, func(b *testing.B) {
			r := benchRenderer(b, s.opts(b))
			// A ring of states, each one fixture mutation after the last,
			// so that every call has a real diff and the cost per call
			// stays the same however many iterations run.
			ring := make([]*fixture.DashboardData, 8)
			ring[0] = fixture.NewDashboard(20)
			m := fixture.NewMutator(1)
			for i := 1; i < len(ring); i++ {
				ring[i] = ring[i-1].Clone()
				m.Mutate(ring[i])
			}
			tok, err := r.CreateSession(ctx, ring[0].Clone())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r.RenderPage(tok); err != nil {
				b.Fatal(err)
			}
			h, err := r.GetSession(tok)
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := h.RenderFragments(ctx, ring[i%len(ring)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
