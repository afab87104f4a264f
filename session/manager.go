package session

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livefir/statetemplate/token"
)

const shardCount = 64

// Manager owns the sessions of one renderer: it creates them, resolves
// tokens to them, serializes work on each and sweeps expired ones. It holds
// no global lock on the hot path: sessions in use live in 64 shards, each
// with its own mutex, and work on one session holds only that session's
// mutex.
type Manager struct {
	cfg    Config
	seed   maphash.Seed
	shards [shardCount]shard
	count  atomic.Int64 // estimate of the sessions in the store (see roomForOne)

	corruptLogged sync.Map // ID → struct{}: corrupt records already logged
	opaqueLogged  sync.Map // template and reason → struct{}: opaque pages already logged
	nursery       *nursery // provisional sessions
	packer        packer   // idle records (see idle.go)

	stop     chan struct{}
	done     chan struct{}
	closeMu  sync.Mutex
	isClosed atomic.Bool
}

// shard holds the entries of sessions in use (with at least one reference).
type shard struct {
	mu   sync.Mutex
	live map[ID]*entry
	// ended counts sessions of this shard deleted by the manager; a load
	// that saw it change may hold a deleted session's record.
	ended uint64
}

// entry is the in-memory state of a session in use. rec is replaced, never
// modified, and only while mu is held.
type entry struct {
	mu   sync.Mutex
	id   ID
	rec  *Record
	refs int  // guarded by the shard's mutex
	gone bool // invalidated, expired or evicted; guarded by mu
	prov bool // provisional: held in the nursery, not yet stored; guarded by mu
	// handles counts the open Handles: a lease does not end a session a
	// handle holds. Guarded by mu.
	handles int
	err     error
	// used is when the session's record was last needed whole (Unix
	// nanoseconds of Config.Now), for idle compaction. Guarded by mu.
	used int64
}

// expired reports whether e's session has expired at now: absolutely, by
// idle timeout, or at the end of its lease while no handle holds it. e.mu
// must be held.
func (e *entry) expired(now time.Time) bool {
	return e.rec.expiredHeld(now) || e.handles == 0 && e.rec.leaseEnded(now)
}

// NewManager validates cfg, fills in defaults and starts the background
// sweeper. Close stops it.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Store == nil || cfg.Keys == nil || cfg.Render == nil {
		return nil, errors.New("session: Config needs Store, Keys and Render")
	}
	if cfg.Types == nil {
		cfg.Types = &Types{}
	}
	if cfg.Expiration <= 0 {
		cfg.Expiration = DefaultExpiration
	}
	if cfg.CleanupInterval == 0 {
		cfg.CleanupInterval = DefaultCleanupInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ProvisionalTTL <= 0 {
		cfg.ProvisionalTTL = DefaultProvisionalTTL
	}
	if cfg.ProvisionalBudget <= 0 {
		cfg.ProvisionalBudget = DefaultProvisionalBudget
	}
	if cfg.IdleCompaction == 0 {
		cfg.IdleCompaction = DefaultIdleCompaction
	}
	m := &Manager{cfg: cfg, seed: maphash.MakeSeed(), stop: make(chan struct{}), done: make(chan struct{}),
		nursery: newNursery(cfg.ProvisionalBudget, cfg.ProvisionalTTL)}
	for i := range m.shards {
		m.shards[i].live = make(map[ID]*entry)
	}
	if cfg.MaxSessions > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n, err := cfg.Store.Count(ctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("session: counting stored sessions: %w", err)
		}
		m.count.Store(int64(n))
	}
	if cfg.CleanupInterval > 0 {
		go m.sweepLoop()
	} else {
		close(m.done)
	}
	return m, nil
}

func (m *Manager) shard(id ID) *shard {
	return &m.shards[maphash.Bytes(m.seed, id[:])%shardCount]
}

func (m *Manager) now() time.Time { return m.cfg.Now().UTC() }

// Keys returns the keyring tokens are sealed with.
func (m *Manager) Keys() *token.Keyring { return m.cfg.Keys }

// Close stops the sweeper and closes the store, which flushes pending
// writes. Handles still open return ErrSessionClosed afterwards. Close is
// idempotent.
func (m *Manager) Close() error {
	m.closeMu.Lock()
	defer m.closeMu.Unlock()
	if m.isClosed.Swap(true) {
		return nil
	}
	close(m.stop)
	<-m.done
	if err := m.cfg.Store.Close(); err != nil {
		return fmt.Errorf("session: closing store: %w", err)
	}
	return nil
}

func (m *Manager) closed() error {
	if m.isClosed.Load() {
		return fmt.Errorf("%w: renderer closed", ErrSessionClosed)
	}
	return nil
}

// Store returns the store the manager persists to.
func (m *Manager) Store() Store { return m.cfg.Store }
