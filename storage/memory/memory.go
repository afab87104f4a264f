package memory

import (
	"container/heap"
	"container/list"
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livefir/statetemplate/session"
)

const shardCount = 64

// DefaultMaxSessions is the MaxSessions of New(0).
const DefaultMaxSessions = 10_000

// Store is the in-process session store. It is safe for concurrent use.
type Store struct {
	max    int64
	seed   maphash.Seed
	count  atomic.Int64
	closed atomic.Bool
	shards [shardCount]shard
	evict  sync.Mutex // one eviction at a time, so the victim count is exact
	// OnEvict, when set before use, is called with each evicted session's ID.
	OnEvict func(session.ID)
}

type shard struct {
	mu       sync.Mutex
	items    map[session.ID]*item
	lru      list.List // front: most recently used; values are *item
	byExpiry expiryHeap
}

type item struct {
	rec      *session.Record
	lastUse  time.Time
	elem     *list.Element
	deadline time.Time
}

// New returns an empty store holding at most maxSessions sessions
// (DefaultMaxSessions when maxSessions is 0; negative means no limit).
func New(maxSessions int) *Store {
	if maxSessions == 0 {
		maxSessions = DefaultMaxSessions
	}
	s := &Store{max: int64(maxSessions), seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].items = make(map[session.ID]*item)
	}
	return s
}

func (s *Store) shard(id session.ID) *shard {
	return &s.shards[maphash.Bytes(s.seed, id[:])%shardCount]
}

func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("%w: memory store closed", session.ErrStoreUnavailable)
	}
	return ctx.Err()
}

// Create stores rec, evicting the least recently used session first when
// the store is full.
func (s *Store) Create(ctx context.Context, rec *session.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if s.max > 0 {
		s.evict.Lock()
		for s.count.Load() >= s.max && s.evictOldest() {
		}
		s.evict.Unlock()
	}
	sh := s.shard(rec.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.items[rec.ID]; ok {
		return fmt.Errorf("%w: %s", session.ErrSessionIDExists, rec.ID.Short())
	}
	it := &item{rec: rec, lastUse: time.Now(), deadline: rec.Deadline()}
	it.elem = sh.lru.PushFront(it)
	sh.items[rec.ID] = it
	heap.Push(&sh.byExpiry, expiryEntry{id: rec.ID, deadline: it.deadline})
	s.count.Add(1)
	return nil
}

// Get returns the record of id and marks it recently used.
func (s *Store) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	sh := s.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	it, ok := sh.items[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", session.ErrSessionNotFound, id.Short())
	}
	it.lastUse = time.Now()
	sh.lru.MoveToFront(it.elem)
	return it.rec, nil
}

// Update replaces the record of rec.ID if its stored revision is rec.Rev-1.
func (s *Store) Update(ctx context.Context, rec *session.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	sh := s.shard(rec.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	it, ok := sh.items[rec.ID]
	if !ok {
		return fmt.Errorf("%w: %s", session.ErrSessionNotFound, rec.ID.Short())
	}
	if it.rec.Rev != rec.Rev-1 {
		return fmt.Errorf("%w: stored revision %d, update based on %d", session.ErrConflict, it.rec.Rev, rec.Rev-1)
	}
	it.rec = rec
	it.lastUse = time.Now()
	sh.lru.MoveToFront(it.elem)
	if d := rec.Deadline(); !d.Equal(it.deadline) {
		it.deadline = d
		heap.Push(&sh.byExpiry, expiryEntry{id: rec.ID, deadline: d})
		sh.compactHeap()
	}
	return nil
}

// Delete removes the record of id, if any.
func (s *Store) Delete(ctx context.Context, id session.ID) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	sh := s.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s.removeLocked(sh, id)
	return nil
}

func (s *Store) removeLocked(sh *shard, id session.ID) bool {
	it, ok := sh.items[id]
	if !ok {
		return false
	}
	sh.lru.Remove(it.elem)
	delete(sh.items, id)
	s.count.Add(-1)
	return true // its heap entries go stale and are dropped lazily
}

// evictOldest removes the least recently used session of the store. It
// reports whether it removed one.
func (s *Store) evictOldest() bool {
	var (
		victim  *shard
		oldest  time.Time
		victimI session.ID
	)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		if back := sh.lru.Back(); back != nil {
			it := back.Value.(*item)
			if victim == nil || it.lastUse.Before(oldest) {
				victim, oldest, victimI = sh, it.lastUse, it.rec.ID
			}
		}
		sh.mu.Unlock()
	}
	if victim == nil {
		return false
	}
	victim.mu.Lock()
	removed := s.removeLocked(victim, victimI)
	victim.mu.Unlock()
	if removed && s.OnEvict != nil {
		s.OnEvict(victimI)
	}
	return true
}

// Expired returns up to limit IDs whose deadline is not after before,
// earliest first.
func (s *Store) Expired(ctx context.Context, before time.Time, limit int) ([]session.ID, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var found []expiryEntry
	for i := range s.shards {
		found = append(found, s.shards[i].expired(before, limit)...)
	}
	sortEntries(found)
	if len(found) > limit {
		found = found[:limit]
	}
	ids := make([]session.ID, len(found))
	for i, e := range found {
		ids[i] = e.id
	}
	return ids, nil
}

// HealthCheck reports whether the store is open.
func (s *Store) HealthCheck(ctx context.Context) error { return s.check(ctx) }

// Count returns the number of stored sessions.
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	return int(s.count.Load()), nil
}

// Close empties the store; later calls fail with ErrStoreUnavailable.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.items = map[session.ID]*item{}
		sh.lru.Init()
		sh.byExpiry = nil
		sh.mu.Unlock()
	}
	s.count.Store(0)
	return nil
}

var _ session.Store = (*Store)(nil)
