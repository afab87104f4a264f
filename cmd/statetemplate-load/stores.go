package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/redis"
)

// storeOptions returns the renderer options for sc.store, and a function
// that removes what the store leaves behind once the renderer is closed.
func storeOptions(sc serverConfig) ([]statetemplate.Option, func(), error) {
	nothing := func() {}
	switch sc.store {
	case "memory":
		// The memory store evicts past its cap (10,000 by default); a load
		// test must keep every session it creates.
		return []statetemplate.Option{statetemplate.WithMaxSessions(max(sc.sessions+sc.sessions/10, 10_000))}, nothing, nil
	case "bolt":
		dir, cleanup := sc.dir, nothing
		if dir == "" {
			d, err := os.MkdirTemp("", "statetemplate-load-*")
			if err != nil {
				return nil, nil, err
			}
			dir, cleanup = d, func() { os.RemoveAll(d) }
		}
		opts, err := boltOptions(dir, sc.cacheBytes)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		return opts, cleanup, nil
	case "redis":
		if sc.redisAddr == "" {
			return nil, nil, fmt.Errorf("-store redis needs -redis ADDR or $STATETEMPLATE_REDIS_ADDR")
		}
		opts, err := redisOptions(sc.redisAddr)
		return opts, nothing, err
	}
	return nil, nil, fmt.Errorf("unknown store %q", sc.store)
}

func boltOptions(dir string, cacheBytes int64) ([]statetemplate.Option, error) {
	opts := []statetemplate.Option{statetemplate.WithBoltStore(filepath.Join(dir, "load-sessions.db"))}
	if cacheBytes > 0 {
		opts = append(opts, statetemplate.WithCacheBudget(cacheBytes))
	}
	return opts, nil
}

// redisOptions opens the Redis store under a key prefix of its own, so
// that runs never see each other's sessions.
func redisOptions(addr string) ([]statetemplate.Option, error) {
	url := addr
	if !strings.Contains(url, "://") {
		url = "redis://" + addr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := redis.Open(ctx, url, redis.Config{Prefix: fmt.Sprintf("stload-%x:", rand.Uint64())})
	if err != nil {
		return nil, err
	}
	return []statetemplate.Option{statetemplate.WithCustomStore(st)}, nil
}
