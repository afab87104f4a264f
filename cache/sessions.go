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

const versionShards = 64

// Sessions caches decoded session records. It implements session.Cache
// and is safe for concurrent use.
//
// ristretto applies Sets asynchronously, so an older Set still queued can
// become visible after a newer one was made. Sessions therefore keeps the
// revision of the latest Set of each cached session (a few dozen bytes
// each) and Get returns a record only if it is that revision.
type Sessions struct {
	c            *ristretto.Cache[string, *session.Record]
	seed         maphash.Seed
	versions     [versionShards]versionShard
	hits, misses atomic.Uint64 // of Get only
}

type versionShard struct {
	mu  sync.Mutex
	rev map[session.ID]uint64
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
	for i := range s.versions {
		s.versions[i].rev = make(map[session.ID]uint64)
	}
	cfg := config[*session.Record](budget, 4<<10)
	cfg.OnEvict = func(it *ristretto.Item[*session.Record]) { s.forget(it.Value) }
	c, err := ristretto.NewCache(cfg)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	s.c = c
	return s, nil
}

func key(id session.ID) string { return string(id[:]) }

func (s *Sessions) shard(id session.ID) *versionShard {
	return &s.versions[maphash.Bytes(s.seed, id[:])%versionShards]
}

// forget drops the revision of a record ristretto evicted, unless a newer
// one was Set meanwhile. Rejected and dropped Sets keep their revision
// (ristretto may still hold an older record of the session), until the
// session's next Set or its Delete.
func (s *Sessions) forget(rec *session.Record) {
	if rec == nil {
		return
	}
	sh := s.shard(rec.ID)
	sh.mu.Lock()
	if sh.rev[rec.ID] == rec.Rev {
		delete(sh.rev, rec.ID)
	}
	sh.mu.Unlock()
}

// Get returns the cached record of id, only if it is the latest Set.
func (s *Sessions) Get(id session.ID) (*session.Record, bool) {
	rec, ok := s.c.Get(key(id))
	if ok && rec != nil && rec.ID == id {
		sh := s.shard(id)
		sh.mu.Lock()
		latest, known := sh.rev[id]
		sh.mu.Unlock()
		if known && latest == rec.Rev {
			s.hits.Add(1)
			return rec, true
		}
	}
	s.misses.Add(1)
	return nil, false
}

// Set caches rec unless a record of a higher revision was Set. It may be
// dropped.
func (s *Sessions) Set(rec *session.Record) {
	sh := s.shard(rec.ID)
	sh.mu.Lock()
	if cur, ok := sh.rev[rec.ID]; ok && cur > rec.Rev {
		sh.mu.Unlock()
		return
	}
	sh.rev[rec.ID] = rec.Rev
	sh.mu.Unlock()
	// Outside the lock: ristretto's goroutine takes it in OnEvict.
	s.c.Set(key(rec.ID), rec, RecordCost(rec))
}

// Delete removes id's record.
func (s *Sessions) Delete(id session.ID) {
	sh := s.shard(id)
	sh.mu.Lock()
	delete(sh.rev, id)
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
