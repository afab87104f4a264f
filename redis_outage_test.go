package statetemplate_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// TestRedis_KillMidRunUnderLoad kills redis-server while four workers
// create and update sessions, then restarts it. Nothing panics, every
// call returns within its bound with either success or a sentinel error,
// health goes degraded and back, and every session created while Redis
// was down ends up in Redis.
func TestRedis_KillMidRunUnderLoad(t *testing.T) {
	srv := redistest.Start(t)
	prefix := redistest.Prefix(t, nil)
	r := redisRenderer(t, srv.Addr, prefix, statetemplate.WithSecurity(testKey))
	ctx := context.Background()

	var (
		stop       atomic.Bool
		redisDown  atomic.Bool
		wg         sync.WaitGroup
		mu         sync.Mutex
		bornInDark []string // tokens created while Redis was down
		slowest    time.Duration
		done       atomic.Int64 // sessions created and updated without error
	)
	// doneAtLeast waits for n more error-free worker rounds from now.
	doneAtLeast := func(n int64, msg string) {
		t.Helper()
		want := done.Load() + n
		require.Eventually(t, func() bool { return done.Load() >= want }, 10*time.Second, 5*time.Millisecond, msg)
	}
	worker := func() {
		defer wg.Done()
		for !stop.Load() {
			down := redisDown.Load()
			start := time.Now()
			tok, err := r.CreateSession(ctx, &redisPage{Title: "load"})
			if err == nil {
				var s *statetemplate.Session
				if s, err = r.GetSession(tok); err == nil {
					for i := 1; i <= 3 && err == nil; i++ {
						_, err = s.RenderFragments(ctx, &redisPage{Title: "load", Count: i})
					}
					_ = s.Close()
				}
			}
			took := time.Since(start)
			mu.Lock()
			slowest = max(slowest, took)
			if err == nil && down && redisDown.Load() {
				bornInDark = append(bornInDark, tok)
			}
			mu.Unlock()
			if err == nil {
				done.Add(1)
			}
			if err != nil && !errors.Is(err, statetemplate.ErrStoreUnavailable) &&
				!errors.Is(err, statetemplate.ErrSessionNotFound) && !errors.Is(err, statetemplate.ErrConflict) {
				t.Errorf("unexpected error class: %v", err)
				return
			}
		}
	}
	for range 4 {
		wg.Add(1)
		go worker()
	}
	doneAtLeast(8, "the workers run against Redis")
	redisDown.Store(true)
	srv.Kill()
	require.Eventually(t, func() bool { return r.Health(ctx).Status == statetemplate.HealthDegraded }, 5*time.Second, 10*time.Millisecond)
	doneAtLeast(8, "the workers go on while Redis is down")
	require.NoError(t, srv.Restart())
	redisDown.Store(false)

	require.Eventually(t, func() bool { return r.Health(ctx).Status == statetemplate.HealthOK }, 10*time.Second, 20*time.Millisecond)
	doneAtLeast(8, "the workers go on once Redis is back")
	stop.Store(true)
	wg.Wait()

	require.NotEmpty(t, bornInDark, "sessions were created while Redis was down")
	require.Less(t, slowest, 5*time.Second, "no call hung on the dead server")
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	defer c.Close()
	other := redisRenderer(t, srv.Addr, prefix, statetemplate.WithSecurity(testKey))
	for _, tok := range bornInDark {
		html, err := other.RenderPage(tok)
		require.NoError(t, err, "a session created during the outage was written back")
		require.Contains(t, html, `<p id="count">3</p>`, "with its last update")
	}
}
