package session

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// Provisional sessions are created for a page load and held in memory
// only, in the manager's nursery, until the page connects: Open promotes
// one into the store. A page that never connects costs no store write, and
// its session is dropped after Config.ProvisionalTTL, or earlier when the
// nursery is over its byte budget (oldest first). Until promotion, Page,
// Validate, Refresh and Invalidate work on the nursery's copy; a restart
// forgets provisional sessions.

// Nursery defaults.
const (
	DefaultProvisionalTTL    = 2 * time.Minute
	DefaultProvisionalBudget = 16 << 20
	// nurseryPurgeEvery is how often the sweeper drops expired provisional
	// sessions when no new one arrives to do it.
	nurseryPurgeEvery = 15 * time.Second
)

// nursery holds provisional records, oldest first. It is safe for
// concurrent use.
type nursery struct {
	mu     sync.Mutex
	byID   map[ID]*list.Element // of *nurseryItem
	order  list.List            // by creation, oldest at the front
	bytes  int64
	budget int64
	ttl    time.Duration
}

type nurseryItem struct {
	rec  *Record
	born time.Time
	size int64
}

func newNursery(budget int64, ttl time.Duration) *nursery {
	return &nursery{byID: make(map[ID]*list.Element), budget: budget, ttl: ttl}
}

// recordSize estimates the heap a record holds: its encoding, the decoded
// value (assumed about twice the encoding), its fragment state and a fixed
// overhead.
func recordSize(r *Record) int64 {
	n := int64(3*len(r.Data) + 512)
	if f := r.Fragments; f != nil {
		for _, id := range f.IDs {
			n += int64(len(id)) + 40
		}
	}
	return n
}

// put adds rec, or replaces the record of its ID keeping its place and
// birth, then drops expired and over-budget records.
func (n *nursery) put(rec *Record, now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	size := recordSize(rec)
	if el, ok := n.byID[rec.ID]; ok {
		it := el.Value.(*nurseryItem)
		n.bytes += size - it.size
		it.rec, it.size = rec, size
	} else {
		n.byID[rec.ID] = n.order.PushBack(&nurseryItem{rec: rec, born: now, size: size})
		n.bytes += size
	}
	n.trim(now)
}

// get returns the provisional record of id, if it is held and not past
// its time in the nursery.
func (n *nursery) get(id ID, now time.Time) (*Record, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	el, ok := n.byID[id]
	if !ok {
		return nil, false
	}
	it := el.Value.(*nurseryItem)
	if now.Sub(it.born) >= n.ttl {
		n.drop(el)
		return nil, false
	}
	return it.rec, true
}

// remove forgets id; it reports whether id was held.
func (n *nursery) remove(id ID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	el, ok := n.byID[id]
	if ok {
		n.drop(el)
	}
	return ok
}

// purge drops what has expired at now.
func (n *nursery) purge(now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.trim(now)
}

// stats returns the number of provisional sessions held and their
// estimated bytes.
func (n *nursery) stats() (int, int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.byID), n.bytes
}

// trim drops expired records and, oldest first, records over the budget.
// n.mu must be held.
func (n *nursery) trim(now time.Time) {
	for el := n.order.Front(); el != nil; el = n.order.Front() {
		it := el.Value.(*nurseryItem)
		if now.Sub(it.born) < n.ttl && n.bytes <= n.budget {
			return
		}
		n.drop(el)
	}
}

func (n *nursery) drop(el *list.Element) {
	it := n.order.Remove(el).(*nurseryItem)
	delete(n.byID, it.rec.ID)
	n.bytes -= it.size
}

// Provisional reports the number of provisional sessions held in memory
// and their estimated size in bytes.
func (m *Manager) Provisional() (sessions int, bytes int64) { return m.nursery.stats() }

// promote stores a provisional session, which a page has now opened.
// e.mu must be held.
func (m *Manager) promote(ctx context.Context, e *entry) error {
	if !e.prov {
		return nil
	}
	if err := m.roomForOne(ctx); err != nil {
		return err
	}
	if err := m.cfg.Store.Create(ctx, e.rec); err != nil {
		return fmt.Errorf("statetemplate: storing session %s: %w", e.id.Short(), err)
	}
	e.prov = false
	m.nursery.remove(e.id)
	m.count.Add(1)
	if m.cfg.Cache != nil {
		m.cfg.Cache.Set(e.rec)
	}
	return nil
}
