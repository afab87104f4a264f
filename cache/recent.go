package cache

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/livefir/statetemplate/internal/genmap"
)

// ristretto applies a Set asynchronously, on its own goroutine: when the
// cores are busy rendering, as when one change is pushed to many tabs, the
// Sets of the first tabs wait for that goroutine while the next tabs miss
// the same fragments and render them again. recent is a small synchronous
// front of the fragments Set last: a Set is seen by every Get after it.
// It holds two generations per shard (genmap); when the newer one is full,
// the older is dropped and the newer takes its place. Its entries are also
// in ristretto (or were dropped by it), which holds the rest: recent only
// bridges the time until ristretto applies a Set, and keeps what a push
// renders at hand for the tabs after the first.

// frontShare is the share of the fragments budget the front may hold:
// a sixteenth, in both generations of all shards.
const frontShare = 16

// frontShards spreads the front's lock over keys.
const frontShards = 16

type recent struct {
	m    *genmap.Map[Key, string]
	hits atomic.Uint64
}

// init makes r hold at most budget bytes of entries (entryCost).
func (r *recent) init(budget int64) {
	r.m = genmap.New[Key, string](budget, frontShards, keyShard)
}

// keyShard spreads keys over the front's shards: a Key is a SHA-256
// digest, any of its bytes will do.
func keyShard(k Key) uint64 { return binary.LittleEndian.Uint64(k[:8]) }

func (r *recent) get(k Key) (string, bool) {
	html, ok := r.m.Get(k)
	if ok {
		r.hits.Add(1)
	}
	return html, ok
}

// set keeps html under k; HTML larger than a generation is left to
// ristretto alone, and equal keys hold equal HTML.
func (r *recent) set(k Key, html string) { r.m.Put(k, html, entryCost(html)) }

// entryCost is what an entry of html costs in the front, in bytes.
func entryCost(html string) int64 { return int64(len(html)) + int64(len(Key{})) + 48 }
