package plan

import (
	"sync"
	"sync/atomic"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/internal/genmap"
)

// cacheKeys remembers the shared cache's keys (cache.NewKey, a SHA-256 of
// the plan, the part and its input bytes) of the parts looked up last:
// every tab a push updates looks up the same changed parts with the same
// input bytes, and one SHA-256 of them is enough. An entry is found by the
// part's key (a hash of the same inputs) and compared in full, the unit
// and every input byte, so a remembered key is only ever given for
// identical inputs: the key they have anyway. It also remembers the HTML
// the shared cache gave for the keys looked up last (found), so that the
// tabs after the first take it without a Get. Each map holds at most
// cacheKeysBudget bytes, in two generations per shard (genmap); the zero
// value is ready for use, and it is safe for concurrent use.
type cacheKeys struct {
	once sync.Once
	keys *genmap.Map[uint64, cacheKeyEntry]
	// htmls holds the entries whose HTML is known, apart from keys: a
	// genmap keeps the entry it holds under a key, and a key's entry is
	// made before its HTML is known.
	htmls *genmap.Map[uint64, cacheKeyEntry]
}

const (
	cacheKeyShards = 16
	// cacheKeysBudget bounds what a plan remembers in each map, in bytes
	// of entries (cacheKeyCost).
	cacheKeysBudget = 1 << 20
)

type cacheKeyEntry struct {
	unit int
	in   string
	key  cache.Key
	html string // in htmls: what the part renders from in
}

// cacheKeyCost is what an entry for input in and HTML html costs, in bytes.
func cacheKeyCost(in []byte, html string) int { return len(in) + len(html) + len(cache.Key{}) + 64 }

// key returns the shared cache's key of unit u (of plan p) read from the
// input bytes in, whose part key is digest.
func (c *cacheKeys) key(p *Plan, u *unit, digest uint64, in []byte) cache.Key {
	k, _, _ := c.lookup(p, u, digest, in)
	return k
}

// lookup returns the shared cache's key of unit u (of plan p) read from
// the input bytes in, whose part key is digest, and the HTML found under
// that key (found), if the plan remembers it.
func (c *cacheKeys) lookup(p *Plan, u *unit, digest uint64, in []byte) (k cache.Key, html string, known bool) {
	c.once.Do(func() {
		c.keys = genmap.New[uint64, cacheKeyEntry](cacheKeysBudget, cacheKeyShards, genmap.Digest)
		c.htmls = genmap.New[uint64, cacheKeyEntry](cacheKeysBudget, cacheKeyShards, genmap.Digest)
	})
	digest = unitDigest(u, digest)
	if e, ok := c.htmls.Get(digest); ok && e.unit == u.id && e.in == string(in) {
		return e.key, e.html, true
	}
	if e, ok := c.keys.Get(digest); ok && e.unit == u.id && e.in == string(in) {
		return e.key, "", false
	}
	k = cache.NewKey(p.id, u.name, in)
	// Inputs larger than the map keeps are not copied for it.
	if cost := int64(cacheKeyCost(in, "")); cost <= c.keys.MaxSize() {
		c.keys.Put(digest, cacheKeyEntry{unit: u.id, in: string(in), key: k}, cost)
	}
	return k, "", false
}

// found remembers html as what unit u renders from the input bytes in,
// whose part key is digest and shared cache key k (lookup's): the HTML the
// shared cache holds under k. Keys are equal only for equal inputs, which
// render equal HTML (cache.NewKey), so the tabs of a push that look the
// same part up take it from here without a Get, even after the shared
// cache dropped it. lookup must have run.
func (c *cacheKeys) found(u *unit, digest uint64, in []byte, k cache.Key, html string) {
	if cost := int64(cacheKeyCost(in, html)); cost <= c.htmls.MaxSize() {
		c.htmls.Put(unitDigest(u, digest), cacheKeyEntry{unit: u.id, in: string(in), key: k, html: html}, cost)
	}
}

// rememberedHTML counts the parts whose HTML a render took from the
// plan's memory of it (found) rather than from the shared cache, for the
// tests.
var rememberedHTML atomic.Int64

// unitDigest tells apart parts that read the same value, and so have the
// same key (a table row and the watchlist item of the same quote).
func unitDigest(u *unit, digest uint64) uint64 { return digest + uint64(u.id+1)*0x9e3779b97f4a7c15 }
