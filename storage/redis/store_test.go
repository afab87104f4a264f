package redis_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/session/storetest"
	rstore "github.com/livefir/statetemplate/storage/redis"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// newStore returns a store on the test Redis under a prefix of t's own.
func newStore(t testing.TB, cfg rstore.Config) *rstore.Store {
	t.Helper()
	c := redistest.Client(t)
	if cfg.Prefix == "" {
		cfg.Prefix = redistest.Prefix(t, c)
	}
	s, err := rstore.New(c, cfg)
	require.NoError(t, err)
	return s
}

func TestStoreContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  rstore.Config
	}{
		{"Plain", rstore.Config{CompressAbove: -1}},
		{"CompressEveryRecord", rstore.Config{CompressAbove: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) session.Store { return newStore(t, tc.cfg) })
		})
	}
}

// newClusterStore returns a store on the test Redis Cluster under a
// prefix of t's own.
func newClusterStore(t testing.TB, cfg rstore.Config) *rstore.Store {
	t.Helper()
	c := redistest.ClusterClient(t)
	cfg.Prefix = redistest.Prefix(t, c)
	s, err := rstore.New(c, cfg)
	require.NoError(t, err)
	return s
}

func TestStoreContract_Cluster(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store { return newClusterStore(t, rstore.Config{}) })
}

// TestHealthCheck_ARedisThatRefusesWritesIsUnavailable: a server that
// answers PING but refuses writes (here: min-replicas-to-write with no
// replica, as stop-writes-on-bgsave-error or maxmemory would) is reported.
func TestHealthCheck_ARedisThatRefusesWritesIsUnavailable(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	defer c.Close()
	s, err := rstore.New(c, rstore.Config{})
	require.NoError(t, err)
	require.NoError(t, s.HealthCheck(ctx))

	require.NoError(t, c.ConfigSet(ctx, "min-replicas-to-write", "1").Err())
	require.NoError(t, c.Ping(ctx).Err(), "the server still answers")
	err = s.HealthCheck(ctx)
	require.ErrorIs(t, err, session.ErrStoreUnavailable)
	require.ErrorContains(t, err, "write probe")

	require.NoError(t, c.ConfigSet(ctx, "min-replicas-to-write", "0").Err())
	require.NoError(t, s.HealthCheck(ctx))
}
