package redis_test

import (
	"testing"

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
