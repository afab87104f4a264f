package cache

import (
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/livefir/statetemplate/session"
)

// DefaultSessionsBudget is the byte budget of NewSessions(0): 64 MiB.
const DefaultSessionsBudget = 64 << 20

const slotShards = 64

// Sessions caches decoded session records. It implements session.Cache
// and is safe for concurrent use.
//
// ristretto holds one slot per cached session, and the slot holds the
// session's latest record. A Set of a session already cached replaces the
// slot's record in place — no ristretto call, which keeps the manager's
// Set on every update cheap — and ristretto's asynchronous admission can
// never make an older record visible: a session has one slot, and Delete
// empties it.
type Sessions struct {
	c            *ristretto.Cache[string, *slot]
	seed         maphash.Seed
	shards       [slotShards]slotShard
	hits, misses atomic.Uint64 // of Get only
}

// slot is the cache entry of one session. rec is nil once the session
// was deleted.
type slot struct {
	rec atomic.Pointer[session.Record]
}

type slotShard struct {
	mu    sync.Mutex
	slots map[session.ID]*slot // the current slot of each session Set
}

var _ session.Cache = (*Sessions)(nil)

// NewSessions returns a session cache holding about budget bytes
// (DefaultSessionsBudget when budget is 0).
func NewSessions(budget int64) (*Sessions, error) {
	if budget == 0 {
		budget = DefaultSessionsBudget
	}
	if budget < 0 {
		return nil, fmt.Errorf("cache: negative sessions budget %d", budget)
	}
	s := &Sessions{seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].slots = make(map[session.ID]*slot)
	}
	cfg := config[*slot](budget, 4<<10)
	cfg.OnEvict = func(it *ristretto.Item[*slot]) { s.drop(it.Value) }
	cfg.OnReject = func(it *ristretto.Item[*slot]) { s.drop(it.Value) }
	c, err := ristretto.NewCache(cfg)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	s.c = c
	return s, nil
}

func key(id session.ID) string { return string(id[:]) }

func (s *Sessions) shard(id session.ID) *slotShard {
	return &s.shards[maphash.Bytes(s.seed, id[:])%slotShards]
}

// drop forgets a slot ristretto evicted, rejected or dropped, so that the
// session's next Set offers a new slot.
func (s *Sessions) drop(sl *slot) {
	if sl == nil {
		return
	}
	rec := sl.rec.Load()
	if rec == nil {
		return
	}
	sh := s.shard(rec.ID)
	sh.mu.Lock()
	if sh.slots[rec.ID] == sl {
		delete(sh.slots, rec.ID)
	}
	sh.mu.Unlock()
}

// Get returns the cached record of id.
func (s *Sessions) Get(id session.ID) (*session.Record, bool) {
	if sl, ok := s.c.Get(key(id)); ok && sl != nil {
		if rec := sl.rec.Load(); rec != nil && rec.ID == id {
			s.hits.Add(1)
			return rec, true
		}
	}
	s.misses.Add(1)
	return nil, false
}

// Set caches rec unless a record of a higher revision is cached. The
// first Set of a session may be dropped by ristretto; later ones replace
// the record in place. The cost charged is the first record's.
func (s *Sessions) Set(rec *session.Record) {
	sh := s.shard(rec.ID)
	sh.mu.Lock()
	sl, ok := sh.slots[rec.ID]
	if ok {
		if cur := sl.rec.Load(); cur != nil && cur.Rev > rec.Rev {
			sh.mu.Unlock()
			return
		}
		sl.rec.Store(rec)
		sh.mu.Unlock()
		return
	}
	sl = &slot{}
	sl.rec.Store(rec)
	sh.slots[rec.ID] = sl
	sh.mu.Unlock()
	// Outside the lock: ristretto's goroutine takes it in OnEvict.
	if !s.c.Set(key(rec.ID), sl, RecordCost(rec)) {
		s.drop(sl)
	}
}

// Delete removes id's record.
func (s *Sessions) Delete(id session.ID) {
	sh := s.shard(id)
	sh.mu.Lock()
	if sl, ok := sh.slots[id]; ok {
		sl.rec.Store(nil)
		delete(sh.slots, id)
	}
	sh.mu.Unlock()
	s.c.Del(key(id))
}

// Wait blocks until queued Sets are applied (for tests).
func (s *Sessions) Wait() { s.c.Wait() }

// Metrics returns the cache's counters.
func (s *Sessions) Metrics() Metrics {
	m := metricsOf(s.c.Metrics)
	m.Hits, m.Misses = s.hits.Load(), s.misses.Load()
	return m
}

// Budget returns the byte budget.
func (s *Sessions) Budget() int64 { return s.c.MaxCost() }

// Close stops the cache's goroutine and drops its entries.
func (s *Sessions) Close() { s.c.Close() }

// fragmentStateCost is the estimated heap of a fragment state: ids,
// hashes and offsets of a typical page's few dozen fragments.
const fragmentStateCost = 2 << 10

// RecordCost estimates the heap bytes a cached record holds: the encoded
// data, its decoded value (estimated at twice the encoding), a fragment
// state and a fixed overhead for the record itself.
func RecordCost(rec *session.Record) int64 {
	cost := int64(512 + 3*len(rec.Data) + len(rec.DataType))
	if rec.Fragments != nil {
		cost += fragmentStateCost
	}
	return cost
}
