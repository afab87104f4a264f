package statetemplate_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestHealth_MemoryStoreReportsOKAndCount(t *testing.T) {
	ctx := context.Background()
	r, err := statetemplate.New(redisTmpl)
	require.NoError(t, err)
	h := r.Health(ctx)
	require.Equal(t, statetemplate.HealthOK, h.Status)
	require.True(t, h.Available)
	require.NoError(t, h.Err)
	require.Equal(t, 0, h.Sessions)
	for range 3 {
		_, err := r.CreateSession(ctx, &redisPage{})
		require.NoError(t, err)
	}
	require.Equal(t, 3, r.Health(ctx).Sessions)

	require.NoError(t, r.Close())
	h = r.Health(ctx)
	require.Equal(t, statetemplate.HealthUnavailable, h.Status)
	require.False(t, h.Available)
	require.ErrorIs(t, h.Err, statetemplate.ErrStoreUnavailable)
	require.Equal(t, -1, h.Sessions)
	b, err := json.Marshal(h)
	require.NoError(t, err)
	require.Contains(t, string(b), `"status":"unavailable"`)
}

func TestRedis_KillAndRestartDegradesThenRecovers(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)          // this test's own redis-server: it kills it
	prefix := redistest.Prefix(t, nil) // the server is this test's own: killed, not cleaned
	r := redisRenderer(t, srv.Addr, prefix, statetemplate.WithSecurity(testKey))
	other := redisRenderer(t, srv.Addr, prefix, statetemplate.WithSecurity(testKey))

	require.Equal(t, statetemplate.HealthOK, r.Health(ctx).Status)
	inUse, err := r.CreateSession(ctx, &redisPage{Title: "in use", Count: 1})
	require.NoError(t, err)
	elsewhere, err := other.CreateSession(ctx, &redisPage{Title: "on the other server"})
	require.NoError(t, err)
	h, err := r.GetSession(inUse)
	require.NoError(t, err)
	defer h.Close()
	require.Equal(t, 2, r.Health(ctx).Sessions)

	srv.Kill()

	// Every call returns promptly: none hangs on the dead server.
	bounded := func(name string, f func()) {
		t.Helper()
		start := time.Now()
		f()
		require.Less(t, time.Since(start), 3*time.Second, "%s took too long with Redis down", name)
	}
	bounded("RenderFragments on a session in use", func() {
		_, err := h.RenderFragments(ctx, &redisPage{Title: "in use", Count: 2})
		require.NoError(t, err, "a session this server holds keeps working")
	})
	var created string
	bounded("CreateSession", func() {
		created, err = r.CreateSession(ctx, &redisPage{Title: "born during the outage"})
		require.NoError(t, err)
	})
	bounded("RenderPage of the new session", func() {
		html, err := r.RenderPage(created)
		require.NoError(t, err)
		require.Contains(t, html, "born during the outage")
	})
	bounded("RenderPage of a session only Redis holds", func() {
		_, err := r.RenderPage(elsewhere)
		require.ErrorIs(t, err, statetemplate.ErrStoreUnavailable)
	})
	bounded("Health", func() {
		hl := r.Health(ctx)
		require.Equal(t, statetemplate.HealthDegraded, hl.Status)
		require.True(t, hl.Available)
		require.NotEmpty(t, hl.Cause)
		require.False(t, hl.DegradedSince.IsZero())
		require.Equal(t, 2, hl.Sessions, "the sessions this server holds")
		require.Equal(t, 2, hl.PendingWriteBack)
	})

	require.NoError(t, srv.Restart()) // empty: persistence is off
	require.Eventually(t, func() bool { return r.Health(ctx).Status == statetemplate.HealthOK },
		10*time.Second, 20*time.Millisecond, "health returns to ok once Redis is back")

	// The session created during the outage was written back: the other
	// server renders it.
	html, err := other.RenderPage(created)
	require.NoError(t, err)
	require.Contains(t, html, "born during the outage")
	// The session in use existed before the outage, and the restarted
	// Redis lost it: reconciliation does not resurrect a session the
	// primary no longer has.
	_, err = h.RenderFragments(ctx, &redisPage{Title: "in use", Count: 3})
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound)
	require.Equal(t, 1, r.Health(ctx).Sessions)
}
