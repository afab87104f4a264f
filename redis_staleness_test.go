package statetemplate_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// Server B holds a session in memory — an open handle, as a WebSocket of
// package live does — while server A changes it in Redis. B's next read
// (RenderPage, the page a resync sends; GetSession; ValidateToken) must see
// A's change: the stored revision is checked on every read of a session
// held in memory.

// heldOnB creates a session on a, and opens it on b, rendered, and kept
// open until t ends.
func heldOnB(t *testing.T, a, b *statetemplate.Renderer) (string, *statetemplate.Session) {
	t.Helper()
	ctx := context.Background()
	tok, err := a.CreateSession(ctx, &redisPage{Title: "shared", Count: 1})
	require.NoError(t, err)
	hb, err := b.GetSession(tok)
	require.NoError(t, err)
	t.Cleanup(func() { _ = hb.Close() })
	html, err := b.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, `<p id="count">1</p>`)
	return tok, hb
}

// updateOn makes p the data of session tok on server r.
func updateOn(t *testing.T, r *statetemplate.Renderer, tok string, p *redisPage) {
	t.Helper()
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.RenderFragments(context.Background(), p)
	require.NoError(t, err)
}

func TestRedis_InvalidationOnOneServerEndsTheSessionOnTheOthersNextRead(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t)
	tok, hb := heldOnB(t, a, b)

	require.NoError(t, a.InvalidateSession(tok))

	_, err := b.RenderPage(tok)
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound, "B renders no page of a session A invalidated")
	require.False(t, b.ValidateToken(tok))
	_, err = b.GetSession(tok)
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound)
	_, err = hb.RenderFragments(ctx, &redisPage{Title: "shared", Count: 2})
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound, "and B's open handle is told")
}

func TestRedis_UpdateOnOneServerIsWhatTheOthersNextReadRenders(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t)
	tok, hb := heldOnB(t, a, b)

	updateOn(t, a, tok, &redisPage{Title: "shared", Count: 7})

	html, err := b.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, `<p id="count">7</p>`, "B's resync page is A's state, not the one B held")
	require.Equal(t, 7, hb.Data().(*redisPage).Count, "B's open handle holds A's state")
	_, err = hb.RenderFragments(ctx, &redisPage{Title: "shared", Count: 8})
	require.NoError(t, err, "B's next update builds on A's revision: no conflict")
}

func TestRedis_WipedRedisEndsEverySessionOnTheNextRead(t *testing.T) {
	addr := redistest.Own(t)
	prefix := redisPrefix(t, addr)
	a, b := redisRenderer(t, addr, prefix), redisRenderer(t, addr, prefix)
	tok, _ := heldOnB(t, a, b)

	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	redistest.DeletePrefix(c, prefix) // what FLUSHALL or a restart without persistence does to these keys

	_, err := b.RenderPage(tok)
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound)
	_, err = a.RenderPage(tok)
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound)
}

// TestRedis_ConflictLeavesTheLoserReadyToResync: the losing server gets
// ErrConflict, holds the winner's state, and its next RenderPage — what a
// resync of the tab sends — is the winner's page; the update after that
// is diffed against that page.
func TestRedis_ConflictLeavesTheLoserReadyToResync(t *testing.T) {
	ctx := context.Background()
	a, b := twoServers(t)
	tok, hb := heldOnB(t, a, b)
	updateOn(t, a, tok, &redisPage{Title: "winner", Count: 10})

	_, err := hb.RenderFragments(ctx, &redisPage{Title: "loser", Count: 20})
	require.ErrorIs(t, err, statetemplate.ErrConflict)

	html, err := b.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, `<h1 id="title">winner</h1>`)
	require.Contains(t, html, `<p id="count">10</p>`)
	ups, err := hb.RenderFragments(ctx, &redisPage{Title: "winner", Count: 11})
	require.NoError(t, err)
	require.Len(t, ups, 1)
	require.Equal(t, "count", ups[0].FragmentID, "only what changed since the resync page")
}
