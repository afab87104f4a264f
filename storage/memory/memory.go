package memory

import (
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
	max   int64
	seed  maphash.Seed
	count atomic.Int64
	// clock is the moment of the last use, in Unix nanoseconds of Now,
	// made strictly increasing: the exact LRU order, and when each
	// session was last used (see Unused).
	clock  atomic.Uint64
	closed atomic.Bool
	// create serializes Create when the store has a limit, so that evicting
	// and inserting are one step and the store never holds more than max.
	create sync.Mutex
	shards [shardCount]shard

	// OnEvict, when set before use, is called with the ID of each session
	// evicted to make room. It runs inside Create and must not call the store.
	OnEvict func(session.ID)
	// Now, when set before use, replaces time.Now as the clock of uses:
	// the renderer sets its own (WithClock), which Unused is given times of.
	Now func() time.Time
}

type shard struct {
	mu       sync.Mutex
	items    map[session.ID]*item
	lru      lruList
	byExpiry expiryHeap
}

// item is one stored session. Its fields are guarded by its shard's mutex.
type item struct {
	rec        *session.Record
	lastUse    uint64 // Store.clock at the last use
	prev, next *item  // LRU neighbours; the shard's list owns them
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

func (s *Store) touch(sh *shard, it *item) {
	it.lastUse = s.tick()
	sh.lru.moveToFront(it)
}

// tick advances the clock to now, or by one when now is not later, and
// returns it.
func (s *Store) tick() uint64 {
	now := uint64(0)
	if t := s.now().UnixNano(); t > 0 {
		now = uint64(t)
	}
	for {
		old := s.clock.Load()
		next := max(old+1, now)
		if s.clock.CompareAndSwap(old, next) {
			return next
		}
	}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Create stores rec. When the store is full it first evicts its least
// recently used session; a Create refused for a duplicate ID evicts nothing.
func (s *Store) Create(ctx context.Context, rec *session.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	sh := s.shard(rec.ID)
	if s.max > 0 {
		s.create.Lock()
		defer s.create.Unlock()
		sh.mu.Lock()
		_, dup := sh.items[rec.ID]
		sh.mu.Unlock()
		if dup {
			return fmt.Errorf("%w: %s", session.ErrSessionIDExists, rec.ID.Short())
		}
		for s.count.Load() >= s.max && s.evictOldest() {
		}
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s.closed.Load() { // Close may have run since check
		return fmt.Errorf("%w: memory store closed", session.ErrStoreUnavailable)
	}
	if _, ok := sh.items[rec.ID]; ok {
		return fmt.Errorf("%w: %s", session.ErrSessionIDExists, rec.ID.Short())
	}
	it := &item{rec: rec}
	sh.lru.pushFront(it)
	it.lastUse = s.tick()
	sh.items[rec.ID] = it
	sh.byExpiry.push(expiryEntry{id: rec.ID, deadline: rec.Deadline()})
	s.count.Add(1)
	return nil
}

// Get returns the record of id and marks it recently used. The record is
// the one stored, shared: callers must not modify it.
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
	s.touch(sh, it)
	return it.rec, nil
}

// Update replaces the record of rec.ID if its stored revision is
// rec.Rev-1, and marks it recently used.
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
		return fmt.Errorf("%w: session %s: stored revision %d, update based on %d",
			session.ErrConflict, rec.ID.Short(), it.rec.Rev, rec.Rev-1)
	}
	old := it.rec.Deadline()
	it.rec = rec
	s.touch(sh, it)
	if d := rec.Deadline(); !d.Equal(old) {
		// The old entry goes stale; it is dropped when it surfaces.
		sh.byExpiry.push(expiryEntry{id: rec.ID, deadline: d})
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

func (s *Store) removeLocked(sh *shard, id session.ID) {
	it, ok := sh.items[id]
	if !ok {
		return
	}
	sh.lru.remove(it)
	delete(sh.items, id)
	s.count.Add(-1)
	sh.compactHeap()
}

// evictOldest removes the least recently used session of the store: the
// oldest of the shards' LRU tails. It reports whether the store had one.
func (s *Store) evictOldest() bool {
	for {
		var (
			victim *shard
			id     session.ID
			oldest uint64
		)
		for i := range s.shards {
			sh := &s.shards[i]
			sh.mu.Lock()
			if tail := sh.lru.back(); tail != nil && (victim == nil || tail.lastUse < oldest) {
				victim, id, oldest = sh, tail.rec.ID, tail.lastUse
			}
			sh.mu.Unlock()
		}
		if victim == nil {
			return false
		}
		victim.mu.Lock()
		it := victim.items[id]
		// Used or deleted since the scan: it is no longer the oldest.
		still := it != nil && it.lastUse == oldest
		if still {
			s.removeLocked(victim, id)
		}
		victim.mu.Unlock()
		if !still {
			continue
		}
		if s.OnEvict != nil {
			s.OnEvict(id)
		}
		return true
	}
}

// Expired returns up to limit IDs whose deadline is not after before,
// earliest first.
func (s *Store) Expired(ctx context.Context, before time.Time, limit int) ([]session.ID, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	found := s.expiredMerged(before, limit)
	ids := make([]session.ID, len(found))
	for i, e := range found {
		ids[i] = e.id
	}
	return ids, nil
}

// expiredMerged lists the limit earliest due entries of all shards. IDs
// are spread evenly over the shards, so it first asks each shard for a
// fair share, then asks again, with a larger quota, only the shards that
// filled their quota before the merged list's last deadline: they may hide
// earlier entries.
func (s *Store) expiredMerged(before time.Time, limit int) []expiryEntry {
	quota := make([]int, shardCount)
	got := make([][]expiryEntry, shardCount)
	q := min(limit, limit/shardCount*2+8)
	for i := range quota {
		quota[i] = q
		got[i] = s.shards[i].expired(before, q)
	}
	for {
		var found []expiryEntry
		for _, g := range got {
			found = append(found, g...)
		}
		sortEntries(found)
		if len(found) > limit {
			found = found[:limit]
		}
		again := false
		for i, g := range got {
			if len(g) < quota[i] || quota[i] >= limit {
				continue // the shard listed all it has due, or all it may
			}
			if len(found) < limit || !g[len(g)-1].deadline.After(found[len(found)-1].deadline) {
				quota[i] = min(limit, quota[i]*4)
				got[i] = s.shards[i].expired(before, quota[i])
				again = true
			}
		}
		if !again {
			return found
		}
	}
}

// HealthCheck reports whether the store is open.
func (s *Store) HealthCheck(ctx context.Context) error { return s.check(ctx) }

// Count returns the number of stored sessions, expired or not.
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	return int(s.count.Load()), nil
}

// Close empties the store; later calls fail with ErrStoreUnavailable.
// Closing twice is harmless.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.items = map[session.ID]*item{}
		sh.lru = lruList{}
		sh.byExpiry = nil
		sh.mu.Unlock()
	}
	s.count.Store(0)
	return nil
}

var _ session.Store = (*Store)(nil)
