package redistest_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/storage/redis/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// childEnv marks the child process that asks for a Redis it cannot have.
const childEnv = "REDISTEST_CHILD"

func TestChild_NeedsRedis(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestAddr_MissingRedis as a child process")
	}
	redistest.Addr(t)
	t.Log("reached past Addr")
}

func TestAddr_MissingRedisFailsUnderCIAndSkipsOtherwise(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ci       string
		wantFail bool
		want     string
	}{
		{"CI=true fails", "true", true, "--- FAIL: TestChild_NeedsRedis"},
		{"without CI skips", "", false, "--- SKIP: TestChild_NeedsRedis"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestChild_NeedsRedis$", "-test.v")
			cmd.Env = []string{childEnv + "=1", "CI=" + tc.ci, "PATH=" + t.TempDir()} // no redis-server on PATH, no address
			out, err := cmd.CombinedOutput()
			if tc.wantFail {
				require.Error(t, err, "%s", out)
			} else {
				require.NoError(t, err, "%s", out)
			}
			require.Contains(t, string(out), tc.want)
			require.Contains(t, string(out), redistest.EnvAddr, "the message says how to provide Redis")
			require.False(t, strings.Contains(string(out), "reached past Addr"))
		})
	}
}

func TestStart_KillAndRestartOnTheSamePort(t *testing.T) {
	s := redistest.Start(t)
	addr := s.Addr
	s.Kill()
	require.NoError(t, s.Restart())
	require.Equal(t, addr, s.Addr)
	require.Error(t, s.Restart(), "a running server cannot be started again")
}

func TestStartCluster_SpreadsSlotsOverThreeMastersAndSurvivesAKilledMaster(t *testing.T) {
	cl := redistest.StartCluster(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs()})
	defer c.Close()
	ctx := context.Background()
	for i := range 300 {
		require.NoError(t, c.Set(ctx, "k{"+strconv.Itoa(i)+"}", i, 0).Err())
	}
	counts, err := redistest.KeyCount(ctx, c, "k{*}")
	require.NoError(t, err)
	require.Len(t, counts, redistest.ClusterMasters)
	for addr, n := range counts {
		require.Positive(t, n, "master %s holds keys", addr)
	}

	cl.Kill(1)
	require.NoError(t, cl.Restart(1))
	counts, err = redistest.KeyCount(ctx, c, "k{*}")
	require.NoError(t, err)
	total := 0
	for _, n := range counts {
		total += n
	}
	require.Equal(t, 300, total, "the restarted master reloaded its append-only file: %v", counts)
}
