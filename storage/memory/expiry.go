package memory

import (
	"slices"
	"time"

	"github.com/livefir/statetemplate/session"
)

// expiryEntry is one (deadline, id) pair of a shard's deadline heap. An
// entry is stale when its session is gone or has another deadline now;
// stale entries are skipped when listed and dropped when the heap is
// compacted.
type expiryEntry struct {
	deadline time.Time
	id       session.ID
}

// expiryHeap is a binary min-heap on deadline. It is typed, rather than a
// container/heap, so that pushing an entry does not box it.
type expiryHeap []expiryEntry

func (h expiryHeap) less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }

func (h *expiryHeap) push(e expiryEntry) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h expiryHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h expiryHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (sh *shard) current(e expiryEntry) bool {
	it, ok := sh.items[e.id]
	return ok && it.rec.Deadline().Equal(e.deadline)
}

// expired returns up to limit current entries due by before, earliest
// first. It walks the heap best-first without changing it: only Delete
// removes a session. Cost: O(k log k) for k entries visited.
func (sh *shard) expired(before time.Time, limit int) []expiryEntry {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	h := sh.byExpiry
	if len(h) == 0 || h[0].deadline.After(before) {
		return nil
	}
	var due []expiryEntry
	frontier := indexHeap{h: h, idx: []int{0}}
	for len(frontier.idx) > 0 && len(due) < limit {
		i := frontier.pop()
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) && !h[c].deadline.After(before) {
				frontier.push(c)
			}
		}
		if e := h[i]; sh.current(e) && !listed(due, e) {
			due = append(due, e)
		}
	}
	return due
}

// listed reports whether due, in deadline order, already holds e: a
// deadline that moved away and back leaves two current entries, and they
// surface one after the other.
func listed(due []expiryEntry, e expiryEntry) bool {
	for j := len(due) - 1; j >= 0 && due[j].deadline.Equal(e.deadline); j-- {
		if due[j].id == e.id {
			return true
		}
	}
	return false
}

// indexHeap is a min-heap of indexes into an expiryHeap: the frontier of a
// best-first walk.
type indexHeap struct {
	h   expiryHeap
	idx []int
}

func (f *indexHeap) less(a, b int) bool { return f.h.less(f.idx[a], f.idx[b]) }

func (f *indexHeap) push(i int) {
	f.idx = append(f.idx, i)
	for c := len(f.idx) - 1; c > 0; {
		p := (c - 1) / 2
		if !f.less(c, p) {
			break
		}
		f.idx[c], f.idx[p] = f.idx[p], f.idx[c]
		c = p
	}
}

func (f *indexHeap) pop() int {
	top := f.idx[0]
	last := len(f.idx) - 1
	f.idx[0] = f.idx[last]
	f.idx = f.idx[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(f.idx) {
			break
		}
		m := l
		if r := l + 1; r < len(f.idx) && f.less(r, l) {
			m = r
		}
		if !f.less(m, i) {
			break
		}
		f.idx[i], f.idx[m] = f.idx[m], f.idx[i]
		i = m
	}
	return top
}

// compactHeap drops stale entries once they outnumber live sessions, so
// that sliding idle deadlines and deletes cannot grow the heap without
// bound. Amortized O(1) per push.
func (sh *shard) compactHeap() {
	if len(sh.byExpiry) <= 2*len(sh.items)+64 {
		return
	}
	seen := make(map[session.ID]struct{}, len(sh.items))
	live := sh.byExpiry[:0]
	for _, e := range sh.byExpiry {
		if _, dup := seen[e.id]; dup || !sh.current(e) {
			continue
		}
		seen[e.id] = struct{}{}
		live = append(live, e)
	}
	clear(sh.byExpiry[len(live):])
	sh.byExpiry = live
	sh.byExpiry.init()
}

func sortEntries(es []expiryEntry) {
	slices.SortFunc(es, func(a, b expiryEntry) int { return a.deadline.Compare(b.deadline) })
}
