package bolt

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/livefir/statetemplate/session"
)

const pendingShards = 32

// pendingSet holds writes that are accepted but not yet committed: the
// latest record of each updated session, or a tombstone for a deleted one.
// Reads consult it first, so they always see the latest write. An entry
// leaves the set only after the transaction that wrote it has committed,
// and only if no newer write replaced it meanwhile.
type pendingSet struct {
	seed   maphash.Seed
	n      atomic.Int64
	shards [pendingShards]pendingShard
}

type pendingShard struct {
	mu sync.Mutex
	m  map[session.ID]*pendingWrite
}

// pendingWrite is one accepted write. rec is nil for a deletion.
type pendingWrite struct {
	rec *session.Record
}

func (p *pendingSet) init() {
	p.seed = maphash.MakeSeed()
	for i := range p.shards {
		p.shards[i].m = make(map[session.ID]*pendingWrite)
	}
}

func (p *pendingSet) shard(id session.ID) *pendingShard {
	return &p.shards[maphash.Bytes(p.seed, id[:])%pendingShards]
}

// put records w for id; sh.mu must be held. It reports whether id had no
// pending write before.
func (p *pendingSet) put(sh *pendingShard, id session.ID, w *pendingWrite) bool {
	_, had := sh.m[id]
	sh.m[id] = w
	if !had {
		p.n.Add(1)
	}
	return !had
}

// flushEntry is a pending write chosen for a transaction.
type flushEntry struct {
	id session.ID
	w  *pendingWrite
}

// snapshot returns up to limit pending writes, leaving them in place.
func (p *pendingSet) snapshot(limit int) []flushEntry {
	var out []flushEntry
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		for id, w := range sh.m {
			if len(out) == limit {
				break
			}
			out = append(out, flushEntry{id, w})
		}
		sh.mu.Unlock()
		if len(out) == limit {
			break
		}
	}
	return out
}

// settle removes the entries that were committed and not replaced since.
func (p *pendingSet) settle(es []flushEntry) {
	for _, e := range es {
		sh := p.shard(e.id)
		sh.mu.Lock()
		if sh.m[e.id] == e.w {
			delete(sh.m, e.id)
			p.n.Add(-1)
		}
		sh.mu.Unlock()
	}
}

func (p *pendingSet) has(id session.ID) bool {
	sh := p.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	_, ok := sh.m[id]
	return ok
}
