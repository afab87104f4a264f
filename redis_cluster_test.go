package statetemplate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// clusterURL is the URL of a Redis Cluster given its nodes: the first
// node, the others as addr parameters (go-redis's cluster URL).
func clusterURL(addrs []string) string {
	u := "redis://" + addrs[0]
	for i, a := range addrs[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + a
	}
	return u
}

// clusterRenderer returns a renderer on the Redis Cluster at url, under
// prefix, closed when t ends.
func clusterRenderer(t *testing.T, url, prefix string, opts ...statetemplate.RedisOption) *statetemplate.Renderer {
	t.Helper()
	r, err := statetemplate.New(redisTmpl,
		statetemplate.WithRedisStore(url, append([]statetemplate.RedisOption{statetemplate.RedisKeyPrefix(prefix)}, opts...)...),
		statetemplate.WithDataTypes(&redisPage{}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestRedisCluster_TwoServersShareSessionsSpreadOverEveryMaster(t *testing.T) {
	ctx := context.Background()
	addrs := redistest.ClusterAddrs(t)
	c := redistest.ClusterClient(t)
	prefix := redistest.Prefix(t, c)
	// One server is given every node, the other a single node: it finds
	// the cluster by itself.
	a := clusterRenderer(t, clusterURL(addrs), prefix)
	b := clusterRenderer(t, "redis://"+addrs[1], prefix)

	const n = 60
	toks := make([]string, n)
	for i := range toks {
		tok, err := a.CreateSession(ctx, &redisPage{Title: fmt.Sprint("session ", i), Count: i})
		require.NoError(t, err)
		toks[i] = tok
	}
	counts, err := redistest.KeyCount(ctx, c, prefix+"{*}")
	require.NoError(t, err)
	require.Len(t, counts, redistest.ClusterMasters)
	total := 0
	for addr, k := range counts {
		require.Positive(t, k, "master %s holds sessions: they spread over the cluster", addr)
		total += k
	}
	require.Equal(t, n, total)

	for i, tok := range toks {
		s, err := b.GetSession(tok)
		require.NoError(t, err, "B opens A's session %d", i)
		_, err = s.RenderFragments(ctx, &redisPage{Title: fmt.Sprint("session ", i), Count: i + 100})
		require.NoError(t, err)
		require.NoError(t, s.Close())
	}
	for i, tok := range toks {
		html, err := a.RenderPage(tok)
		require.NoError(t, err)
		require.Contains(t, html, fmt.Sprintf(`<p id="count">%d</p>`, i+100), "A sees B's update of session %d", i)
	}
	h := a.Health(ctx)
	require.Equal(t, statetemplate.HealthOK, h.Status, h.Error)
	require.Equal(t, n, h.Sessions, "Count scans every master")
}

// TestRedisCluster_KilledMasterLosesNothingAcknowledged kills one of three
// masters (kill -9) mid-run and restarts it. Without the in-memory
// fallback, a write to a session on the dead master fails (and is not
// acknowledged); every acknowledged write — before, during and after the
// outage, on any master — is there afterwards, as the masters write their
// append-only file before they reply (appendfsync always).
func TestRedisCluster_KilledMasterLosesNothingAcknowledged(t *testing.T) {
	ctx := context.Background()
	cl := redistest.StartCluster(t)
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: cl.Addrs()})
	t.Cleanup(func() { _ = c.Close() })
	prefix := redistest.Prefix(t, nil)
	r := clusterRenderer(t, clusterURL(cl.Addrs()), prefix, statetemplate.RedisWithoutFallback())

	const n = 30
	toks := make([]string, n)
	acked := make([]int, n)
	for i := range toks {
		tok, err := r.CreateSession(ctx, &redisPage{Title: "s", Count: 0})
		require.NoError(t, err)
		toks[i] = tok
	}
	step := func() (ok, failed int) {
		for i, tok := range toks {
			s, err := r.GetSession(tok)
			if err == nil {
				_, err = s.RenderFragments(ctx, &redisPage{Title: "s", Count: acked[i] + 1})
				_ = s.Close()
			}
			if err != nil {
				require.ErrorIs(t, err, statetemplate.ErrStoreUnavailable, "session %d", i)
				failed++
				continue
			}
			acked[i]++
			ok++
		}
		return ok, failed
	}
	for range 3 {
		_, failed := step()
		require.Zero(t, failed)
	}

	cl.Kill(1)
	outageOK, outageFailed := 0, 0
	for range 3 {
		ok, failed := step()
		outageOK, outageFailed = outageOK+ok, outageFailed+failed
	}
	require.Positive(t, outageFailed, "sessions on the dead master cannot be written")
	require.Positive(t, outageOK, "sessions on the other masters still can")

	require.NoError(t, cl.Restart(1))
	require.Eventually(t, func() bool {
		_, failed := step()
		return failed == 0
	}, 30*time.Second, 100*time.Millisecond, "every session is writable once the master is back")

	// A fresh server reads what was acknowledged.
	fresh := clusterRenderer(t, clusterURL(cl.Addrs()), prefix, statetemplate.RedisWithoutFallback())
	for i, tok := range toks {
		html, err := fresh.RenderPage(tok)
		require.NoError(t, err, "session %d", i)
		require.True(t, strings.Contains(html, fmt.Sprintf(`<p id="count">%d</p>`, acked[i])),
			"session %d: acknowledged %d, stored page %s", i, acked[i], html)
	}
}
