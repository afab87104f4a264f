package statetemplate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

func TestRedis_IdleTimeoutMovesTheKeyExpiryAndEndsIdleSessions(t *testing.T) {
	ctx := context.Background()
	addr := redistest.Own(t)
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() }) // after the prefix's keys are deleted
	prefix := redistest.Prefix(t, c)
	// Long enough that a loaded machine's late wake-up from the sleep
	// below does not reach it (1.5 s did, once, at load 22).
	const idle = 3 * time.Second
	r := redisRenderer(t, addr, prefix, statetemplate.WithIdleTimeout(idle))

	before := time.Now()
	tok, err := r.CreateSession(ctx, &redisPage{Title: "idle", Count: 1})
	require.NoError(t, err)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	key := prefix + "{" + s.ID() + "}"
	first, err := c.PExpireTime(ctx, key).Result()
	require.NoError(t, err)
	// The session was last accessed between before and now (a loaded
	// machine may take any time in between); its key expires one idle
	// timeout after that, rounded up to the millisecond.
	assert.GreaterOrEqual(t, first.Milliseconds(), before.Add(idle).UnixMilli(), "the key expires one idle timeout after creation")
	assert.LessOrEqual(t, first.Milliseconds(), time.Now().Add(idle).UnixMilli()+1, "the key expires one idle timeout after creation")

	time.Sleep(1100 * time.Millisecond) // within the idle timeout, past the 1s access granularity
	_, err = s.RenderFragments(ctx, &redisPage{Title: "idle", Count: 2})
	require.NoError(t, err)
	moved, err := c.PExpireTime(ctx, key).Result()
	require.NoError(t, err)
	require.GreaterOrEqual(t, moved-first, time.Second, "access moved the expiry")
	require.NoError(t, s.Close())

	require.Eventually(t, func() bool { return c.Exists(ctx, key).Val() == 0 }, idle+5*time.Second, 50*time.Millisecond,
		"Redis drops the key once the session is idle for the timeout")
	_, err = r.RenderPage(tok)
	require.Error(t, err)
	require.True(t, isOneOf(err, statetemplate.ErrSessionNotFound, statetemplate.ErrSessionExpired), "got %v", err)
}

func TestRedis_SessionExpiringNowIsNotStoredForever(t *testing.T) {
	ctx := context.Background()
	addr := redistest.Own(t)
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() }) // after the prefix's keys are deleted
	prefix := redistest.Prefix(t, c)
	r := redisRenderer(t, addr, prefix)
	tok, err := r.CreateSession(ctx, &redisPage{Title: "brief"}, statetemplate.SessionExpiration(time.Nanosecond))
	require.NoError(t, err)
	_, err = r.RenderPage(tok)
	require.True(t, isOneOf(err, statetemplate.ErrSessionNotFound, statetemplate.ErrSessionExpired), "got %v", err)
	keys, _, err := c.Scan(ctx, 0, prefix+"{*}", 1000).Result()
	require.NoError(t, err)
	for _, k := range keys { // stored within its last millisecond: it must carry that expiry
		ttl, err := c.PTTL(ctx, k).Result()
		require.NoError(t, err)
		require.NotEqual(t, time.Duration(-1), ttl, "key %s has no expiry", k)
	}
	require.Eventually(t, func() bool {
		keys, _, err := c.Scan(ctx, 0, prefix+"{*}", 1000).Result()
		return err == nil && len(keys) == 0
	}, 2*time.Second, 10*time.Millisecond, "no session key outlives its deadline")
}

func isOneOf(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
