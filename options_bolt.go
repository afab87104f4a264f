package statetemplate

import (
	"fmt"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

// WithBoltStore keeps sessions in the bbolt file at path (created if
// missing; its directory must exist), so that they survive restarts and
// crashes: a created session is fsynced before CreateSession returns, and
// updates are written within a window (100 ms by default; see
// bolt.WithUpdateWindow and bolt.WithSyncUpdates). Hot sessions are served
// from a memory cache (WithCacheBudget). New fails if the file cannot be
// opened: a missing directory, a file another process holds
// (bolt.ErrFileInUse), a foreign or truncated file (bolt.ErrNotSessionFile).
//
// Session data is restored from bytes, so pass a sample of each data type
// to WithDataTypes. Without WithSecurity the signing key is generated once
// and kept in the file (see package storage/bolt for the trade-off).
func WithBoltStore(path string, opts ...bolt.Option) Option {
	return func(c *config) error {
		if path == "" {
			return fmt.Errorf("%w: WithBoltStore: empty path", errInvalidOption)
		}
		c.store = nil
		c.openStore = func(c *config) (session.Store, error) {
			// The renderer's logger first, so that a bolt.WithLogger of the
			// app's own wins.
			s, err := bolt.Open(path, append([]bolt.Option{bolt.WithLogger(c.logger)}, opts...)...)
			if err != nil {
				return nil, fmt.Errorf("statetemplate: opening session file: %w", err)
			}
			hot, err := cache.NewSessions(c.cacheBudget)
			if err != nil {
				_ = s.Close()
				return nil, fmt.Errorf("%w: WithCacheBudget: %v", errInvalidOption, err)
			}
			c.cache = hot
			return &boltStore{Store: s, hot: hot}, nil
		}
		return nil
	}
}

// WithCacheBudget sets the memory budget, in bytes, of the cache of hot
// sessions that a durable store (WithBoltStore) reads through (default
// cache.DefaultSessionsBudget, 64 MiB).
func WithCacheBudget(bytes int64) Option {
	return func(c *config) error {
		if bytes <= 0 {
			return fmt.Errorf("%w: WithCacheBudget(%d): must be positive", errInvalidOption, bytes)
		}
		c.cacheBudget = bytes
		return nil
	}
}

// boltStore is the bolt store with the session cache the renderer uses in
// front of it, so that closing the store also stops the cache. Embedding
// keeps every optional interface of *bolt.Store (Durable, KeyKeeper,
// Flusher, Backup, Compact, Stats).
type boltStore struct {
	*bolt.Store
	hot *cache.Sessions
}

func (b *boltStore) Close() error {
	err := b.Store.Close()
	b.hot.Close()
	return err
}
