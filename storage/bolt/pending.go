package bolt

import (
	"bytes"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livefir/statetemplate/session"
)

const pendingShards = 32

// lazySlices is how many key ranges the lazy writes are flushed in. A
// lazy window's writes of every pushed session, flushed at once, took a
// core for tens of milliseconds once a window — and with it the pushes of
// one publish in five (at 5 a second). Flushed a slice at a time, at
// times spread over the window (see slotWait), each flush is a fifth of
// that, every session is still written once a window, and no lazy write
// waits longer than the lazy window. Slices are ranges of session ids,
// so each flush rewrites its own run of leaf pages (see flush). A slot
// that comes while pushes arrive waits for their lull (see lazyDue).
const lazySlices = 5

// lazySlice returns the slice of id: a range of ids in key order.
func lazySlice(id session.ID) int { return int(id[0]) * lazySlices / 256 }

// allLazy selects every lazy slice; a flush's lazy mask selects slice k
// with bit k.
const allLazy = 1<<lazySlices - 1

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
	// epoch is when init ran, with its monotonic clock reading, and
	// epochNs its Unix time. The pending set's times (queuedSince,
	// lazySince) are Unix ns counted from them on the monotonic clock
	// (clock), and turned back into times that carry a monotonic reading
	// (at): a wall clock that jumps (NTP, a resumed VM) neither delays a
	// write past its window nor makes every write overdue at once.
	epoch   time.Time
	epochNs int64
	n       atomic.Int64  // dirty entries
	kept    atomic.Int64  // clean entries
	gen     atomic.Uint64 // flush generation, for expiring clean entries
	// queuedSince is when the oldest write not yet taken by a flush was
	// accepted (Unix ns; 0: none). The writer flushes by queuedSince plus
	// the window, and Update holds new writes while it is overdue.
	queuedSince atomic.Int64
	// lazySince is queuedSince for the lazy writes (session.WithLazyWrite)
	// of each slice, which the writer flushes at the slice's next slot
	// (slotWait) or at the first lull of the pushes after it (lazyDue),
	// before lazySince plus the lazy window (lazyLimit).
	lazySince [lazySlices]atomic.Int64
	// lastLazy is when the latest lazy write came (a reading of clock,
	// to the millisecond; 0: none yet), and lull how long none must come
	// before the writer counts the pushes as paused (see lazyDue).
	lastLazy atomic.Int64
	lull     time.Duration
	shards   [pendingShards]pendingShard
}

type pendingShard struct {
	mu sync.Mutex
	m  map[session.ID]*pendingWrite
}

// pendingWrite is one write: the record and its sessions value, encoded
// by the caller of Update (so that a record that cannot be stored is
// refused there, and encoding runs in parallel outside the writer). rec
// and value are nil for a deletion. The value of a write Update took as
// lazy is encoded by the writer when it flushes it, so that a lazy write
// replaced before its flush is never encoded; only the writer sets it.
// lazy, clean and cleanAt are guarded by the shard's mutex.
type pendingWrite struct {
	rec     *session.Record
	value   []byte
	lazy    bool
	clean   bool
	cleanAt uint64
}

func (p *pendingSet) init() {
	p.seed = maphash.MakeSeed()
	p.epoch = time.Now()
	p.epochNs = p.epoch.UnixNano()
	p.lull = lazyLull
	for i := range p.shards {
		p.shards[i].m = make(map[session.ID]*pendingWrite)
	}
}

// clock returns the pending set's time now: Unix ns at init, then
// advancing with the monotonic clock.
func (p *pendingSet) clock() int64 { return p.epochNs + int64(time.Since(p.epoch)) }

// at returns the time of ns, a reading of clock, with a monotonic clock
// reading: time.Until and Before measure it on the monotonic clock.
func (p *pendingSet) at(ns int64) time.Time { return p.epoch.Add(time.Duration(ns - p.epochNs)) }

func (p *pendingSet) shard(id session.ID) *pendingShard {
	return &p.shards[maphash.Bytes(p.seed, id[:])%pendingShards]
}

// put records the dirty write w for id; sh.mu must be held. It reports
// whether the writer must be told: id had no dirty write before, or w is
// the first write of its kind (lazy or not) queued since the last flush,
// which may be due before the flush the writer waits for. A lazy write
// that replaces a dirty write that is not lazy stops being lazy: it
// carries that write's changes, which must not wait for the lazy window.
func (p *pendingSet) put(sh *pendingShard, id session.ID, w *pendingWrite) bool {
	old, had := sh.m[id]
	now := p.clock()
	if w.lazy {
		p.noteLazy(now) // a push, even one that stops being lazy below
	}
	if w.lazy && had && !old.clean && !old.lazy {
		w.lazy = false
	}
	since := &p.queuedSince
	if w.lazy {
		since = &p.lazySince[lazySlice(id)]
	}
	queued := since.CompareAndSwap(0, now)
	sh.m[id] = w
	if had && old.clean {
		p.kept.Add(-1)
	}
	if !had || old.clean {
		p.n.Add(1)
		return true
	}
	return queued
}

// barrier returns once every put under way has ended: each shard's lock
// taken and released in turn. A put that starts after it sees what was
// stored before it was called.
func (p *pendingSet) barrier() {
	for i := range p.shards {
		p.shards[i].mu.Lock()
		p.shards[i].mu.Unlock()
	}
}

// flushEntry is a dirty write chosen for a transaction.
type flushEntry struct {
	id session.ID
	w  *pendingWrite
}

// ordered returns every dirty write, leaving it in place, in key order
// (the order of the sessions bucket); lazy ones only of the slices lazy
// selects.
func (p *pendingSet) ordered(lazy uint) []flushEntry {
	out := make([]flushEntry, 0, p.n.Load())
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		for id, w := range sh.m {
			if !w.clean && (!w.lazy || lazy&(1<<lazySlice(id)) != 0) {
				out = append(out, flushEntry{id, w})
			}
		}
		sh.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b flushEntry) int { return bytes.Compare(a.id[:], b.id[:]) })
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

// dirtyEager reports whether id has a write not yet committed that is
// not lazy.
func (p *pendingSet) dirtyEager(id session.ID) bool {
	sh := p.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	w, ok := sh.m[id]
	return ok && !w.clean && !w.lazy
}

// queuedDeadline returns when the writes queued for the next flush are
// due (queuedSince plus window), and false when none is queued.
func (p *pendingSet) queuedDeadline(window time.Duration) (time.Time, bool) {
	return p.deadline(p.queuedSince.Load(), window)
}

// lazyDeadline is queuedDeadline for the lazy writes and their window:
// the earliest of the slices'.
func (p *pendingSet) lazyDeadline(window time.Duration) (time.Time, bool) {
	var due time.Time
	ok := false
	for k := range p.lazySince {
		if d, dok := p.deadline(p.lazySince[k].Load(), window); dok && (!ok || d.Before(due)) {
			due, ok = d, true
		}
	}
	return due, ok
}

// slotWait returns how long after since (a reading of the pending set's
// clock) the writer flushes the lazy writes of slice k queued since: the
// first of the slice's slots at or after since. Slice k's slots are
// k/lazySlices of a window after every multiple of the window (on the
// Unix clock as it was when the store opened), so the slices' flushes are
// spread evenly over each window, and a write waits less than one window.
//
// The wait is in [0, window), computed so that no window WithLazyWindow
// accepts overflows: k fifths of a window of decades reach back before
// 1970, and since plus a window of centuries is past what an int64 of
// nanoseconds holds.
func slotWait(k int, since int64, window time.Duration) time.Duration {
	w := int64(window)
	off := w/lazySlices*int64(k) + w%lazySlices*int64(k)/lazySlices // k*w/5, without overflow
	phase := (since%w - off%w) % w                                  // since - off mod w, in (-w, w)
	wait := -phase
	if phase > 0 {
		wait = w - phase
	}
	return time.Duration(wait)
}

// lazyDue returns, at now, the lazy slices due: those whose slot has
// come while the lazy writes pause (a lull: none for the pending set's
// lull), and those whose limit has come, lull or not (lazyLimit: less
// than a window after their oldest write) — forced names the latter. So
// a slot that comes during a push's fan-out waits for the fan-out's end
// instead of taking a core from it. next is when the writer must look
// again: the earliest slot still to come, or for a slice waiting for a
// lull the earlier of its limit and the lull's start; ok is false when no
// lazy write waits.
func (p *pendingSet) lazyDue(now time.Time, window time.Duration) (due, forced uint, next time.Time, ok bool) {
	quiet := p.quietFrom()
	for k := range p.lazySince {
		since := p.lazySince[k].Load()
		if since == 0 {
			continue
		}
		at := p.at(since)
		slot := at.Add(slotWait(k, since, window))
		limit := lazyLimit(at, slot, window)
		wake := slot
		switch {
		case !now.Before(limit):
			due, forced = due|1<<k, forced|1<<k
		case now.Before(slot):
		case !now.Before(quiet):
			due |= 1 << k
		default:
			wake = quiet
			if limit.Before(quiet) {
				wake = limit
			}
		}
		if !ok || wake.Before(next) {
			next, ok = wake, true
		}
	}
	return due, forced, next, ok
}

// flushDeadline returns when the writer must look next, at now: the
// queued writes' deadline or when a lazy slice may be due (lazyDue),
// whichever comes first, and false when nothing is queued.
func (p *pendingSet) flushDeadline(now time.Time, window, lazyWindow time.Duration) (time.Time, bool) {
	due, ok := p.queuedDeadline(window)
	if _, _, wake, lok := p.lazyDue(now, lazyWindow); lok && (!ok || wake.Before(due)) {
		return wake, true
	}
	return due, ok
}

// deadline returns since (a reading of clock) plus window, false when
// since is 0.
func (p *pendingSet) deadline(since int64, window time.Duration) (time.Time, bool) {
	if since == 0 {
		return time.Time{}, false
	}
	return p.at(since).Add(window), true
}

// nextDeadline returns the earlier of the queued and the lazy writes'
// deadlines, and false when neither is queued: past it, writes are
// overdue (see holdWhileOverdue). The writer flushes lazy writes earlier,
// at their slices' slots (flushDeadline).
func (p *pendingSet) nextDeadline(window, lazyWindow time.Duration) (time.Time, bool) {
	due, ok := p.queuedDeadline(window)
	if lazy, lok := p.lazyDeadline(lazyWindow); lok && (!ok || lazy.Before(due)) {
		return lazy, true
	}
	return due, ok
}
