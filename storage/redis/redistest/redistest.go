package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate/internal/integration"
)

// EnvAddr names the environment variable holding the address of the Redis
// server integration tests use.
const EnvAddr = "STATETEMPLATE_REDIS_ADDR"

var (
	sharedMu  sync.Mutex
	shared    *Server
	sharedErr error
)

// Addr returns the address of a Redis server for t: $STATETEMPLATE_REDIS_ADDR
// when set, else a server this process starts once and StopShared stops.
// When neither is possible it fails t under CI=true and skips t otherwise.
func Addr(t testing.TB) string {
	t.Helper()
	if a := os.Getenv(EnvAddr); a != "" {
		return a
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = start()
	}
	if sharedErr != nil {
		Unavailable(t, sharedErr)
	}
	return shared.Addr
}

// Own returns $STATETEMPLATE_REDIS_ADDR when set, else the address of a
// redis-server started for t alone and killed when t ends: for packages
// without a TestMain calling StopShared.
func Own(t testing.TB) string {
	t.Helper()
	if a := os.Getenv(EnvAddr); a != "" {
		return a
	}
	return Start(t).Addr
}

// StopShared stops the server Addr started and the cluster ClusterAddrs
// started, if any. Call it from TestMain after the tests ran.
func StopShared() {
	sharedMu.Lock()
	if shared != nil {
		shared.stop()
		shared = nil
	}
	sharedMu.Unlock()
	sharedClusterMu.Lock()
	if sharedCluster != nil {
		sharedCluster.stop()
		sharedCluster = nil
	}
	sharedClusterMu.Unlock()
}

// Unavailable fails t under CI=true and skips it otherwise, saying why.
func Unavailable(t testing.TB, why error) {
	t.Helper()
	integration.Missing(t, fmt.Sprintf("redis integration test needs a Redis server: set %s or install redis-server (%v)", EnvAddr, why))
}

// Client returns a client of the Redis at Addr(t), closed when t ends.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: Addr(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		Unavailable(t, err)
	}
	return c
}

// Prefix returns a key prefix no other test uses. Keys under it are
// deleted when t ends, if c is not nil.
func Prefix(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	p := "sttest-" + hex.EncodeToString(b[:]) + ":"
	if c != nil {
		t.Cleanup(func() { DeletePrefix(c, p) })
	}
	return p
}

// DeletePrefix deletes every key under prefix, with SCAN — on every master
// of a Cluster client.
func DeletePrefix(c redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	del := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for it.Next(ctx) {
			_ = c.Del(ctx, it.Val()).Err() // one key: keys of a Cluster node may lie in different slots
		}
		return it.Err()
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return del(ctx, n) })
		return
	}
	_ = del(ctx, c)
}

// Server is a redis-server process started by this package.
type Server struct {
	Addr string
	port int
	dir  string
	args []string // beyond the defaults; later arguments win
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// Start starts a redis-server of t's own on a free loopback port, killed
// when t ends. Tests that kill and restart Redis use it; it fails or skips
// t (see Unavailable) when the binary is missing.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start()
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(s.stop)
	return s
}

func start() (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redistest")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), port: port, dir: dir}
	if err := s.Restart(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Restart starts the server again on the same port, after Kill. It
// returns once the server answers PING.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("redistest: server on %s is running", s.Addr)
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return err
	}
	// Stdout and Stderr stay nil (the null device): no copying goroutines.
	args := append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", ""}, s.args...)
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: starting redis-server: %w", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ping(s.Addr) == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.killLocked()
	return fmt.Errorf("redistest: redis-server on %s did not answer PING within 10s", s.Addr)
}

// Kill kills the server process (SIGKILL: no shutdown, no goodbye to
// clients) and waits for it to exit. Restart brings it back, empty.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

// stop kills the server for good and removes its directory.
func (s *Server) stop() {
	s.Kill()
	_ = os.RemoveAll(s.dir)
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := conn.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return fmt.Errorf("redistest: unexpected reply %q", buf[:n])
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
