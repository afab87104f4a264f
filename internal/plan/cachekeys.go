package plan

import (
	"sync"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/internal/genmap"
)

// cacheKeys remembers the shared cache's keys (cache.NewKey, a SHA-256 of
// the plan, the part and its input bytes) of the parts looked up last:
// every tab a push updates looks up the same changed parts with the same
// input bytes, and one SHA-256 of them is enough. An entry is found by the
// part's key (a hash of the same inputs) and compared in full, the unit
// and every input byte, so a remembered key is only ever given for
// identical inputs: the key they have anyway. It holds at most
// cacheKeysBudget bytes, in two generations per shard (genmap); the zero
// value is ready for use, and it is safe for concurrent use.
type cacheKeys struct {
	once sync.Once
	m    *genmap.Map[uint64, cacheKeyEntry]
}

const (
	cacheKeyShards = 16
	// cacheKeysBudget bounds what a plan remembers, in bytes of entries
	// (cacheKeyCost).
	cacheKeysBudget = 1 << 20
)

type cacheKeyEntry struct {
	unit int
	in   string
	key  cache.Key
}

// cacheKeyCost is what an entry for input in costs, in bytes.
func cacheKeyCost(in []byte) int { return len(in) + len(cache.Key{}) + 64 }

// key returns the shared cache's key of unit u (of plan p) read from the
// input bytes in, whose part key is digest.
func (c *cacheKeys) key(p *Plan, u *unit, digest uint64, in []byte) cache.Key {
	c.once.Do(func() { c.m = genmap.New[uint64, cacheKeyEntry](cacheKeysBudget, cacheKeyShards, genmap.Digest) })
	// Parts that read the same value have the same key (a table row and
	// the watchlist item of the same quote): the unit tells them apart.
	digest += uint64(u.id+1) * 0x9e3779b97f4a7c15
	if e, ok := c.m.Get(digest); ok && e.unit == u.id && e.in == string(in) {
		return e.key
	}
	k := cache.NewKey(p.id, u.name, in)
	// Inputs larger than the map keeps are not copied for it.
	if cost := int64(cacheKeyCost(in)); cost <= c.m.MaxSize() {
		c.m.Put(digest, cacheKeyEntry{unit: u.id, in: string(in), key: k}, cost)
	}
	return k
}
