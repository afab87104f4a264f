package statetemplate_test

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"strconv"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/redis/redistest"
	"github.com/livefir/statetemplate/storage/resilient"
)

// redisPage is the typed session data of the Redis tests.
type redisPage struct {
	Title string
	Count int
}

var redisTmpl = template.Must(template.New("page").Parse(
	`<main><h1 id="title">{{.Title}}</h1><p id="count">{{.Count}}</p></main>`))

// redisRenderer returns a renderer on the Redis at addr under prefix,
// closed when t ends.
func redisRenderer(t testing.TB, addr, prefix string, opts ...statetemplate.Option) *statetemplate.Renderer {
	t.Helper()
	all := append([]statetemplate.Option{
		statetemplate.WithRedisStore("redis://"+addr,
			statetemplate.RedisKeyPrefix(prefix),
			statetemplate.RedisFallback(resilient.Config{ProbeInterval: 20 * time.Millisecond, OpTimeout: 500 * time.Millisecond})),
		statetemplate.WithDataTypes(&redisPage{}),
	}, opts...)
	r, err := statetemplate.New(redisTmpl, all...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// twoServers returns two renderers sharing one Redis and one key prefix,
// and no configured signing key: the key is kept in Redis.
func twoServers(t *testing.T) (a, b *statetemplate.Renderer) {
	t.Helper()
	addr := redistest.Own(t)
	prefix := redisPrefix(t, addr)
	return redisRenderer(t, addr, prefix), redisRenderer(t, addr, prefix)
}

// redisPrefix returns a key prefix of t's own on the Redis at addr; its
// keys are deleted when t ends.
func redisPrefix(t testing.TB, addr string) string {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return redistest.Prefix(t, c)
}

func TestRedis_SessionCreatedOnOneServerRendersOnTheOther(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t)

	tok, err := a.CreateSession(ctx, &redisPage{Title: "made on A", Count: 1})
	require.NoError(t, err)
	require.True(t, b.ValidateToken(tok), "B opens A's token: the signing key is shared through Redis")
	html, err := b.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, "made on A")

	sb, err := b.GetSession(tok)
	require.NoError(t, err)
	updates, err := sb.RenderFragments(ctx, &redisPage{Title: "made on A", Count: 2})
	require.NoError(t, err)
	require.NotEmpty(t, updates)
	require.False(t, updates[0].IsNoOp)
	require.NoError(t, sb.Close())

	html, err = a.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, `<p id="count">2</p>`, "A sees B's update")

	require.NoError(t, b.InvalidateSession(tok))
	require.False(t, a.ValidateToken(tok), "an invalidation on B holds on A")
}

func TestRedis_ConcurrentUpdateFromTwoServersConflictsAndRetriesOnFreshState(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t)
	tok, err := a.CreateSession(ctx, &redisPage{Title: "shared", Count: 0})
	require.NoError(t, err)
	ha, err := a.GetSession(tok)
	require.NoError(t, err)
	defer ha.Close()
	hb, err := b.GetSession(tok)
	require.NoError(t, err)
	defer hb.Close()

	_, err = ha.RenderFragments(ctx, &redisPage{Title: "shared", Count: 10})
	require.NoError(t, err)
	_, err = hb.RenderFragments(ctx, &redisPage{Title: "shared", Count: 20})
	require.ErrorIs(t, err, statetemplate.ErrConflict, "B's update was based on the state before A's")
	require.Equal(t, 10, hb.Data().(*redisPage).Count, "after the conflict B holds A's state")

	_, err = hb.RenderFragments(ctx, &redisPage{Title: "shared", Count: hb.Data().(*redisPage).Count + 5})
	require.NoError(t, err, "the retry on the fresh state wins")
	html, err := b.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, `<p id="count">15</p>`)
}

func TestRedis_IncrementsRacingFromTwoServersAreNeverLost(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t)
	tok, err := a.CreateSession(ctx, &redisPage{Title: "race"})
	require.NoError(t, err)
	const perServer = 40
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		conflicts int
	)
	for _, r := range []*statetemplate.Renderer{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := r.GetSession(tok)
			if !assertNoErr(t, err) {
				return
			}
			defer h.Close()
			for i := 0; i < perServer; {
				next := *h.Data().(*redisPage)
				next.Count++
				_, err := h.RenderFragments(ctx, &next)
				if errors.Is(err, statetemplate.ErrConflict) {
					mu.Lock()
					conflicts++
					mu.Unlock()
					continue // retry on the state the conflict loaded
				}
				if !assertNoErr(t, err) {
					return
				}
				i++
			}
		}()
	}
	wg.Wait()
	html, err := a.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, `<p id="count">`+strconv.Itoa(2*perServer)+`</p>`, "every increment of both servers is in the final state (%d conflicts retried)", conflicts)
}

func assertNoErr(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}

func TestWithRedisStore_ReportsBadURLsAndUnreachableServers(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  string
		want error
	}{
		{"not a redis URL", "http://localhost:6379", statetemplate.ErrInvalidOption},
		{"nothing listening", "redis://127.0.0.1:1", statetemplate.ErrStoreUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := statetemplate.New(redisTmpl, statetemplate.WithRedisStore(tc.url))
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestWithRedisStore_RequiresRegisteredDataTypes(t *testing.T) {
	addr := redistest.Own(t)
	r := redisRenderer(t, addr, redisPrefix(t, addr))
	type unregistered struct{ X int }
	_, err := r.CreateSession(context.Background(), &unregistered{X: 1})
	require.ErrorIs(t, err, statetemplate.ErrUnregisteredType)
}

func TestWithRedisStore_LargeSessionRoundTripsCompressed(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t)
	title := string(bytes.Repeat([]byte("long title "), 5000))
	tok, err := a.CreateSession(ctx, &redisPage{Title: title})
	require.NoError(t, err)
	html, err := b.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, title)
}
