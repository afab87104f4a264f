package main

import (
	"fmt"
	"os"

	"github.com/livefir/statetemplate"
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
	return nil, fmt.Errorf("the bolt store is not in this build yet")
}

func redisOptions(addr string) ([]statetemplate.Option, error) {
	return nil, fmt.Errorf("the redis store is not in this build yet")
}
