package memory_test

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

// model is the obviously correct store: a list in use order (least
// recent first) and the records.
type model struct {
	max   int
	order []session.ID
	recs  map[session.ID]*session.Record
}

func (m *model) use(id session.ID) {
	m.order = slices.DeleteFunc(m.order, func(x session.ID) bool { return x == id })
	m.order = append(m.order, id)
}

// TestStore_MatchesModel drives the store and the model with the same
// random operations and requires the same answers: exact LRU eviction,
// compare-and-set, and the deadline listing.
func TestStore_MatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		max := rapid.IntRange(1, 12).Draw(t, "max")
		s := memory.New(max)
		var evicted []session.ID
		s.OnEvict = func(id session.ID) { evicted = append(evicted, id) }
		m := &model{max: max, recs: map[session.ID]*session.Record{}}
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var ids []session.ID // every ID ever created, live or not

		pick := func(t *rapid.T) session.ID {
			if len(ids) == 0 || rapid.IntRange(0, 9).Draw(t, "fresh") == 0 {
				return session.NewID()
			}
			return rapid.SampledFrom(ids).Draw(t, "id")
		}
		for range rapid.IntRange(1, 80).Draw(t, "steps") {
			switch op := rapid.IntRange(0, 4).Draw(t, "op"); op {
			case 0: // create
				r := &session.Record{Format: 1, ID: session.NewID(), Rev: 1, LastAccess: base,
					ExpiresAt: base.Add(time.Duration(rapid.IntRange(1, 50).Draw(t, "exp")) * time.Minute)}
				evicted = evicted[:0]
				if err := s.Create(ctx, r); err != nil {
					t.Fatalf("create: %v", err)
				}
				var want []session.ID
				if len(m.order) >= max {
					want = []session.ID{m.order[0]}
					delete(m.recs, m.order[0])
					m.order = m.order[1:]
				}
				if !slices.Equal(want, evicted) {
					t.Fatalf("evicted %v, model evicts %v", evicted, want)
				}
				m.recs[r.ID] = r
				m.use(r.ID)
				ids = append(ids, r.ID)
			case 1: // get
				id := pick(t)
				got, err := s.Get(ctx, id)
				want, ok := m.recs[id]
				if ok != (err == nil) || (ok && got != want) {
					t.Fatalf("get %s: %v, model has it: %v", id.Short(), err, ok)
				}
				if ok {
					m.use(id)
				}
			case 2: // update, sometimes stale
				id := pick(t)
				cur, ok := m.recs[id]
				if !ok {
					if err := s.Update(ctx, &session.Record{ID: id, Rev: 2}); err == nil {
						t.Fatalf("update of missing %s succeeded", id.Short())
					}
					continue
				}
				n := cur.Clone()
				n.Rev += uint64(rapid.SampledFrom([]int{1, 1, 1, 0, 2}).Draw(t, "step"))
				n.IdleTimeout = time.Duration(rapid.IntRange(0, 60).Draw(t, "idle")) * time.Minute
				err := s.Update(ctx, n)
				if (n.Rev == cur.Rev+1) != (err == nil) {
					t.Fatalf("update rev %d over %d: %v", n.Rev, cur.Rev, err)
				}
				if err == nil {
					m.recs[id] = n
					m.use(id)
				}
			case 3: // delete
				id := pick(t)
				if err := s.Delete(ctx, id); err != nil {
					t.Fatal(err)
				}
				delete(m.recs, id)
				m.order = slices.DeleteFunc(m.order, func(x session.ID) bool { return x == id })
			case 4: // expired
				before := base.Add(time.Duration(rapid.IntRange(0, 60).Draw(t, "before")) * time.Minute)
				limit := rapid.IntRange(1, 15).Draw(t, "limit")
				got, err := s.Expired(ctx, before, limit)
				if err != nil {
					t.Fatal(err)
				}
				var due []*session.Record
				for _, r := range m.recs {
					if !r.Deadline().After(before) {
						due = append(due, r)
					}
				}
				slices.SortFunc(due, func(a, b *session.Record) int { return a.Deadline().Compare(b.Deadline()) })
				if len(got) != min(limit, len(due)) {
					t.Fatalf("expired: %d ids, model %d (limit %d)", len(got), len(due), limit)
				}
				for i, id := range got { // ties may come in either order: compare deadlines
					r, ok := m.recs[id]
					if !ok || !r.Deadline().Equal(due[i].Deadline()) {
						t.Fatalf("expired[%d] = %s, deadline differs from the model's", i, id.Short())
					}
				}
				seen := map[session.ID]bool{}
				for _, id := range got {
					if seen[id] {
						t.Fatalf("expired lists %s twice", id.Short())
					}
					seen[id] = true
				}
			}
			if n, _ := s.Count(ctx); n != len(m.recs) {
				t.Fatalf("count %d, model %d", n, len(m.recs))
			}
		}
	})
}
