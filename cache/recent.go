package cache

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
)

// ristretto applies a Set asynchronously, on its own goroutine: when the
// cores are busy rendering, as when one change is pushed to many tabs, the
// Sets of the first tabs wait for that goroutine while the next tabs miss
// the same fragments and render them again. recent is a small synchronous
// front of the fragments Set last: a Set is seen by every Get after it.
// It holds two generations per shard; when the newer one is full, the
// older is dropped and the newer takes its place. Its entries are also in
// ristretto (or were dropped by it), which holds the rest: recent only
// bridges the time until ristretto applies a Set, and keeps what a push
// renders at hand for the tabs after the first.

// frontShare is the share of the fragments budget the front may hold:
// a sixteenth, in both generations of all shards.
const frontShare = 16

// frontShards spreads the front's lock over keys.
const frontShards = 16

type recent struct {
	shards [frontShards]recentShard
	hits   atomic.Uint64
}

type recentShard struct {
	mu       sync.RWMutex
	cur, old map[Key]string
	bytes    int64 // in cur
	budget   int64 // of cur: a shard's share of the front, halved for the two generations
}

// init makes r hold at most budget bytes of entries (entryCost).
func (r *recent) init(budget int64) {
	for i := range r.shards {
		r.shards[i].budget = budget / frontShards / 2
	}
}

func (r *recent) shard(k Key) *recentShard {
	return &r.shards[binary.LittleEndian.Uint32(k[:4])%frontShards]
}

func (r *recent) get(k Key) (string, bool) {
	s := r.shard(k)
	s.mu.RLock()
	html, ok := s.cur[k]
	if !ok {
		html, ok = s.old[k]
	}
	s.mu.RUnlock()
	if ok {
		r.hits.Add(1)
	}
	return html, ok
}

func (r *recent) set(k Key, html string) {
	cost := entryCost(html)
	s := r.shard(k)
	if cost > s.budget {
		return // larger than a generation: ristretto alone
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cur[k]; ok {
		return // equal keys, equal HTML
	}
	if s.cur == nil || s.bytes+cost > s.budget {
		s.old, s.cur, s.bytes = s.cur, make(map[Key]string, max(len(s.cur), 8)), 0
	}
	s.cur[k] = html
	s.bytes += cost
}

// entryCost is what an entry of html costs in the front, in bytes.
func entryCost(html string) int64 { return int64(len(html)) + int64(len(Key{})) + 48 }
