package bolt

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livefir/statetemplate/session"
)

const pendingShards = 32

// pendingSet holds the latest write of each recently written session:
// dirty writes, accepted but not yet committed (the latest record, or a
// tombstone for a deletion), and clean ones, committed and kept for two
// more flushes so that a session updated again soon — a live page — is
// checked and read without touching the file. Reads consult it first, so
// they always see the latest write. A dirty entry becomes clean only after
// the transaction that wrote it has committed, and only if no newer write
// replaced it meanwhile.
type pendingSet struct {
	seed maphash.Seed
	n    atomic.Int64  // dirty entries
	kept atomic.Int64  // clean entries
	gen  atomic.Uint64 // flush generation, for expiring clean entries
	// queuedSince is when the oldest write not yet taken by a flush was
	// accepted (Unix ns; 0: none). The writer flushes by queuedSince plus
	// the window, and Update holds new writes while it is overdue.
	queuedSince atomic.Int64
	shards      [pendingShards]pendingShard
}

type pendingShard struct {
	mu sync.Mutex
	m  map[session.ID]*pendingWrite
}

// pendingWrite is one write: the record and its sessions value, encoded
// by the caller of Update (so that a record that cannot be stored is
// refused there, and encoding runs in parallel outside the writer). rec
// and value are nil for a deletion; clean and cleanAt are guarded by the
// shard's mutex.
type pendingWrite struct {
	rec     *session.Record
	value   []byte
	clean   bool
	cleanAt uint64
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

// put records the dirty write w for id; sh.mu must be held. It reports
// whether id had no dirty write before.
func (p *pendingSet) put(sh *pendingShard, id session.ID, w *pendingWrite) bool {
	p.queuedSince.CompareAndSwap(0, time.Now().UnixNano())
	old, had := sh.m[id]
	sh.m[id] = w
	if had && old.clean {
		p.kept.Add(-1)
	}
	if !had || old.clean {
		p.n.Add(1)
		return true
	}
	return false
}

// flushEntry is a dirty write chosen for a transaction.
type flushEntry struct {
	id session.ID
	w  *pendingWrite
}

// snapshot returns up to limit dirty writes, leaving them in place.
func (p *pendingSet) snapshot(limit int) []flushEntry {
	var out []flushEntry
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		for id, w := range sh.m {
			if len(out) == limit {
				break
			}
			if !w.clean {
				out = append(out, flushEntry{id, w})
			}
		}
		sh.mu.Unlock()
		if len(out) == limit {
			break
		}
	}
	return out
}

// settle marks the committed entries clean (deletions leave), unless a
// newer write replaced them since.
func (p *pendingSet) settle(es []flushEntry) {
	gen := p.gen.Load()
	for _, e := range es {
		sh := p.shard(e.id)
		sh.mu.Lock()
		if sh.m[e.id] == e.w && !e.w.clean {
			p.n.Add(-1)
			if e.w.rec == nil {
				delete(sh.m, e.id)
			} else {
				e.w.clean, e.w.cleanAt = true, gen
				p.kept.Add(1)
			}
		}
		sh.mu.Unlock()
	}
}

// expireClean starts a new generation and drops clean entries two
// generations old.
func (p *pendingSet) expireClean() {
	gen := p.gen.Add(1)
	if p.kept.Load() == 0 {
		return
	}
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		for id, w := range sh.m {
			if w.clean && w.cleanAt+2 <= gen {
				delete(sh.m, id)
				p.kept.Add(-1)
			}
		}
		sh.mu.Unlock()
	}
}

// dirty reports whether id has a write not yet committed.
func (p *pendingSet) dirty(id session.ID) bool {
	sh := p.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	w, ok := sh.m[id]
	return ok && !w.clean
}

// queuedDeadline returns when the writes queued for the next flush are
// due (queuedSince plus window), and false when none is queued.
func (p *pendingSet) queuedDeadline(window time.Duration) (time.Time, bool) {
	q := p.queuedSince.Load()
	if q == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, q).Add(window), true
}
