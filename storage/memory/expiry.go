package memory

import (
	"container/heap"
	"slices"
	"time"

	"github.com/livefir/statetemplate/session"
)

// expiryEntry is one (deadline, id) pair of a shard's deadline heap. An
// entry is stale when its session is gone or has a different deadline now;
// stale entries are dropped when they surface.
type expiryEntry struct {
	deadline time.Time
	id       session.ID
}

type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (sh *shard) current(e expiryEntry) bool {
	it, ok := sh.items[e.id]
	return ok && it.deadline.Equal(e.deadline)
}

// expired returns up to limit current entries due by before, leaving them
// in the heap: only Delete removes a session.
func (sh *shard) expired(before time.Time, limit int) []expiryEntry {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var due []expiryEntry
	for sh.byExpiry.Len() > 0 && len(due) < limit {
		top := sh.byExpiry[0]
		if top.deadline.After(before) {
			break
		}
		heap.Pop(&sh.byExpiry)
		if sh.current(top) {
			due = append(due, top)
		}
	}
	for _, e := range due {
		heap.Push(&sh.byExpiry, e)
	}
	return due
}

// compactHeap drops stale entries once they outnumber live sessions, so
// that sliding idle deadlines cannot grow the heap without bound.
func (sh *shard) compactHeap() {
	if len(sh.byExpiry) <= 2*len(sh.items)+64 {
		return
	}
	live := sh.byExpiry[:0]
	for _, e := range sh.byExpiry {
		if sh.current(e) {
			live = append(live, e)
		}
	}
	sh.byExpiry = live
	heap.Init(&sh.byExpiry)
}

func sortEntries(es []expiryEntry) {
	slices.SortFunc(es, func(a, b expiryEntry) int { return a.deadline.Compare(b.deadline) })
}
