package redistest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvCluster names the environment variable holding the addresses of a
// three-master Redis Cluster, comma-separated, that integration tests use
// (scripts/test.sh starts one).
const EnvCluster = "STATETEMPLATE_REDIS_CLUSTER"

// ClusterMasters is the number of masters of a cluster this package starts.
const ClusterMasters = 3

var (
	sharedClusterMu  sync.Mutex
	sharedCluster    *Cluster
	sharedClusterErr error
)

// ClusterAddrs returns the node addresses of a Redis Cluster for t:
// $STATETEMPLATE_REDIS_CLUSTER when set, else a cluster this process
// starts once and StopShared stops. When neither is possible it fails t
// under CI=true and skips t otherwise.
func ClusterAddrs(t testing.TB) []string {
	t.Helper()
	if a := os.Getenv(EnvCluster); a != "" {
		return strings.Split(a, ",")
	}
	sharedClusterMu.Lock()
	defer sharedClusterMu.Unlock()
	if sharedCluster == nil && sharedClusterErr == nil {
		sharedCluster, sharedClusterErr = startCluster()
	}
	if sharedClusterErr != nil {
		clusterUnavailable(t, sharedClusterErr)
	}
	return sharedCluster.Addrs()
}

// ClusterClient returns a Cluster client of ClusterAddrs(t), closed when t
// ends.
func ClusterClient(t testing.TB) *redis.ClusterClient {
	t.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: ClusterAddrs(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() }); err != nil {
		clusterUnavailable(t, err)
	}
	return c
}

func clusterUnavailable(t testing.TB, why error) {
	t.Helper()
	Unavailable(t, fmt.Errorf("a Redis Cluster (set %s, or install redis-server and redis-cli): %w", EnvCluster, why))
}

// Cluster is a three-master Redis Cluster started by this package on
// loopback ports, each master with its own directory and an append-only
// file written before every reply (appendonly yes, appendfsync always), so
// that a master killed and restarted comes back with every write it
// acknowledged. (With appendfsync everysec Redis may reply before writing
// when the disk is slow, and a kill loses those writes: measured here.)
// No replicas; surviving masters serve their slots while one is down
// (cluster-require-full-coverage no).
type Cluster struct {
	nodes []*Server
}

// StartCluster starts a cluster of t's own, stopped when t ends: for tests
// that kill and restart its masters.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		clusterUnavailable(t, err)
	}
	t.Cleanup(c.stop)
	return c
}

// Addrs returns the masters' addresses.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.Addr
	}
	return out
}

// Kill kills master i (SIGKILL) and waits for the process to exit.
func (c *Cluster) Kill(i int) { c.nodes[i].Kill() }

// Restart starts master i again, on its port and with its directory (its
// nodes.conf and append-only file), and waits until every master reports
// the cluster healthy.
func (c *Cluster) Restart(i int) error {
	if err := c.nodes[i].Restart(); err != nil {
		return err
	}
	return c.waitHealthy(30 * time.Second)
}

func startCluster() (*Cluster, error) {
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, err
		}
	}
	c := &Cluster{}
	for range ClusterMasters {
		port, err := freeClusterPort()
		if err != nil {
			c.stop()
			return nil, err
		}
		dir, err := os.MkdirTemp("", "redistest-cluster")
		if err != nil {
			c.stop()
			return nil, err
		}
		n := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), port: port, dir: dir, args: []string{
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
			// Surviving masters keep serving their slots while one is down.
			"--cluster-require-full-coverage", "no",
			"--appendonly", "yes", "--appendfsync", "always",
		}}
		c.nodes = append(c.nodes, n)
		if err := n.Restart(); err != nil {
			c.stop()
			return nil, err
		}
	}
	args := append(c.Addrs(), "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command("redis-cli", append([]string{"--cluster", "create"}, args...)...).CombinedOutput()
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("redistest: redis-cli --cluster create: %v: %s", err, out)
	}
	if err := c.waitHealthy(30 * time.Second); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// waitHealthy waits until every master reports cluster_state:ok with all
// slots assigned and every master known.
func (c *Cluster) waitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		ok := true
		for _, n := range c.nodes {
			info, err := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(n.port), "cluster", "info").Output()
			if err != nil || !bytes.Contains(info, []byte("cluster_state:ok")) ||
				!bytes.Contains(info, []byte("cluster_slots_ok:16384")) ||
				!bytes.Contains(info, []byte("cluster_known_nodes:"+strconv.Itoa(len(c.nodes)))) {
				ok, last = false, fmt.Sprintf("%s: %v %s", n.Addr, err, firstLines(info, 4))
				break
			}
		}
		if ok {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("redistest: cluster not healthy within %v: %s", timeout, last)
}

func (c *Cluster) stop() {
	for _, n := range c.nodes {
		n.stop()
	}
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " ")
}

// freeClusterPort returns a loopback port that is free, and whose cluster
// bus port (port+10000) is free too.
func freeClusterPort() (int, error) {
	for range 200 {
		p := 20000 + rand.IntN(20000)
		if portFree(p) && portFree(p+10000) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("redistest: no free port pair for a cluster node")
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// KeyCount returns the number of keys matching pattern on each master of
// c, by SCAN, keyed by the master's address.
func KeyCount(ctx context.Context, c *redis.ClusterClient, pattern string) (map[string]int, error) {
	var mu sync.Mutex
	counts := map[string]int{}
	err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		it := n.Scan(ctx, 0, pattern, 1000).Iterator()
		k := 0
		for it.Next(ctx) {
			k++
		}
		mu.Lock()
		counts[n.Options().Addr] = k
		mu.Unlock()
		return it.Err()
	})
	return counts, err
}
