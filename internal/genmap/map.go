package genmap

import (
	"iter"
	"math/bits"
	"sync"
)

// Map is a sharded map of at most its budget in bytes, evicted a
// generation at a time (see the package documentation). Build it with New.
type Map[K comparable, V any] struct {
	shards []shard[K, V]
	mask   uint64 // len(shards)-1
	gen    int64  // the budget of a generation of a shard
	hash   func(K) uint64
}

type shard[K comparable, V any] struct {
	mu       sync.RWMutex
	cur, old map[K]V
	bytes    int64 // in cur
	// Neighbouring shards' locks on one cache line would slow each
	// other's readers.
	_ [16]byte
}

// New returns a Map that holds at most budget bytes in shards shards
// (rounded up to a power of two, at least one); hash picks a key's shard
// by its low bits. A budget below 2×shards bytes keeps no entry of a
// positive size.
func New[K comparable, V any](budget int64, shards int, hash func(K) uint64) *Map[K, V] {
	n := 1
	if shards > 1 {
		n = 1 << bits.Len(uint(shards-1))
	}
	return &Map[K, V]{
		shards: make([]shard[K, V], n),
		mask:   uint64(n - 1),
		gen:    budget / int64(n) / 2,
		hash:   hash,
	}
}

// Digest is the hash of keys that are digests already: the key itself.
func Digest(k uint64) uint64 { return k }

func (m *Map[K, V]) shard(k K) *shard[K, V] { return &m.shards[m.hash(k)&m.mask] }

// Get returns the value held under k, from either generation.
func (m *Map[K, V]) Get(k K) (V, bool) {
	s := m.shard(k)
	s.mu.RLock()
	v, ok := s.cur[k]
	if !ok {
		v, ok = s.old[k]
	}
	s.mu.RUnlock()
	return v, ok
}

// Put holds v under k, counted as size bytes (a negative size as none),
// unless size is more than MaxSize or the newer generation of k's shard
// holds k already (then it keeps that entry). A full generation makes
// room as the package documentation says.
func (m *Map[K, V]) Put(k K, v V, size int64) {
	size = max(size, 0)
	if size > m.gen {
		return
	}
	s := m.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cur[k]; ok {
		return
	}
	if s.cur == nil || s.bytes+size > m.gen {
		s.old, s.cur, s.bytes = s.cur, make(map[K]V, max(len(s.cur), 8)), 0
	}
	s.cur[k] = v
	s.bytes += size
}

// MaxSize is the largest size Put keeps, a generation of a shard: a
// caller whose value costs something to build checks it first.
func (m *Map[K, V]) MaxSize() int64 { return m.gen }

// Len returns how many keys m holds.
func (m *Map[K, V]) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.RLock()
		n += len(s.cur)
		for k := range s.old {
			if _, ok := s.cur[k]; !ok {
				n++
			}
		}
		s.mu.RUnlock()
	}
	return n
}

// All yields every key m holds and its value (the newer generation's when
// both have it), a shard at a time; a shard is copied under its read lock,
// so yield may call m.
func (m *Map[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		for i := range m.shards {
			s := &m.shards[i]
			s.mu.RLock()
			held := make(map[K]V, len(s.cur)+len(s.old))
			for k, v := range s.old {
				held[k] = v
			}
			for k, v := range s.cur {
				held[k] = v
			}
			s.mu.RUnlock()
			for k, v := range held {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}
