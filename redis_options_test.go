package statetemplate_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

func TestWithRedisClient_UsesTheAppsClientAndLeavesItOpen(t *testing.T) {
	ctx := context.Background()
	addr := redistest.Own(t)
	c := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	prefix := redistest.Prefix(t, c)
	r, err := statetemplate.New(redisTmpl,
		statetemplate.WithRedisClient(c, statetemplate.RedisKeyPrefix(prefix)),
		statetemplate.WithDataTypes(&redisPage{}))
	require.NoError(t, err)
	tok, err := r.CreateSession(ctx, &redisPage{Title: "via client"})
	require.NoError(t, err)
	n, err := c.Exists(ctx, prefix+"signing-key").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "the signing key is kept in Redis under the prefix")
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, "via client")
	require.NoError(t, r.Close())
	require.NoError(t, c.Ping(ctx).Err(), "the app's client stays open")

	_, err = statetemplate.New(redisTmpl, statetemplate.WithRedisClient(nil))
	require.ErrorIs(t, err, statetemplate.ErrInvalidOption)
}

func TestRedisWithoutFallback_OutageFailsFastWithErrStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	r, err := statetemplate.New(redisTmpl,
		statetemplate.WithRedisStore("redis://"+srv.Addr, statetemplate.RedisWithoutFallback()),
		statetemplate.WithDataTypes(&redisPage{}), statetemplate.WithSecurity(testKey))
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	tok, err := r.CreateSession(ctx, &redisPage{Title: "x"})
	require.NoError(t, err)

	srv.Kill()
	start := time.Now()
	_, err = r.RenderPage(tok)
	require.ErrorIs(t, err, statetemplate.ErrStoreUnavailable)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = r.CreateSession(short, &redisPage{Title: "y"})
	require.ErrorIs(t, err, statetemplate.ErrStoreUnavailable)
	h := r.Health(ctx)
	require.Equal(t, statetemplate.HealthUnavailable, h.Status)
	require.False(t, h.Available)
	require.Less(t, time.Since(start), 5*time.Second, "bounded by the client's 2s timeouts and ctx")

	require.NoError(t, srv.Restart())
	require.Eventually(t, func() bool { return r.Health(ctx).Status == statetemplate.HealthOK }, 10*time.Second, 20*time.Millisecond)
	_, err = r.CreateSession(ctx, &redisPage{Title: "z"})
	require.NoError(t, err, "the client reconnects by itself")
}

func TestRedisKeyPrefix_WithAHashTagIsAnInvalidOption(t *testing.T) {
	_, err := statetemplate.New(redisTmpl,
		statetemplate.WithRedisStore("redis://127.0.0.1:1/0", statetemplate.RedisKeyPrefix("{myapp}:")),
		statetemplate.WithDataTypes(&redisPage{}))
	require.ErrorIs(t, err, statetemplate.ErrInvalidOption, "refused before connecting")
	require.ErrorContains(t, err, "hash tag")
}
