package cache

import (
	"fmt"
	"sync/atomic"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/livefir/statetemplate/session"
)

// DefaultSessionsBudget is the byte budget of NewSessions(0): 64 MiB.
const DefaultSessionsBudget = 64 << 20

// Sessions caches decoded session records. It implements session.Cache
// and is safe for concurrent use.
type Sessions struct {
	c            *ristretto.Cache[string, *session.Record]
	hits, misses atomic.Uint64 // of Get only: Set's own lookups do not count
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
	c, err := ristretto.NewCache(config[*session.Record](budget, 4<<10))
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Sessions{c: c}, nil
}

func key(id session.ID) string { return string(id[:]) }

// Get returns the cached record of id.
func (s *Sessions) Get(id session.ID) (*session.Record, bool) {
	rec, ok := s.c.Get(key(id))
	if !ok || rec == nil || rec.ID != id {
		s.misses.Add(1)
		return nil, false
	}
	s.hits.Add(1)
	return rec, true
}

// Set caches rec unless a record of a higher revision is cached. It may
// be dropped. Of Sets of one session that are queued at once, the last
// wins; callers Set records in revision order (the manager does, under
// the session's lock).
func (s *Sessions) Set(rec *session.Record) {
	k := key(rec.ID)
	if cur, ok := s.c.Get(k); ok && cur != nil && cur.ID == rec.ID && cur.Rev > rec.Rev {
		return
	}
	s.c.Del(k) // ordered before this Set: a queued older Set cannot win
	s.c.Set(k, rec, RecordCost(rec))
}

// Delete removes id's record.
func (s *Sessions) Delete(id session.ID) { s.c.Del(key(id)) }

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
// data, its decoded value (estimated at twice the encoding), the fragment
// state and a fixed overhead for the record itself.
func RecordCost(rec *session.Record) int64 {
	cost := int64(512 + 3*len(rec.Data) + len(rec.DataType))
	if rec.Fragments != nil {
		cost += fragmentStateCost
	}
	return cost
}
