package cache

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/session"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func rec(id session.ID, rev uint64, data string) *session.Record {
	return &session.Record{ID: id, Rev: rev, Data: []byte(data), DataType: "t"}
}

func newSessions(t *testing.T, budget int64) *Sessions {
	t.Helper()
	s, err := NewSessions(budget)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func TestSessions_GetReturnsWhatSetStoredAndCountsHitsAndMisses(t *testing.T) {
	s := newSessions(t, 1<<20)
	id := session.NewID()
	_, ok := s.Get(id)
	require.False(t, ok)
	r := rec(id, 1, "hello")
	s.Set(r)
	s.Wait()
	got, ok := s.Get(id)
	require.True(t, ok)
	require.Same(t, r, got)
	m := s.Metrics()
	require.Equal(t, uint64(1), m.Hits)
	require.Equal(t, uint64(1), m.Misses)
	require.InDelta(t, 0.5, m.Ratio(), 1e-9)
}

func TestSessions_DeleteRemoves(t *testing.T) {
	s := newSessions(t, 1<<20)
	id := session.NewID()
	s.Set(rec(id, 1, "x"))
	s.Wait()
	s.Delete(id)
	_, ok := s.Get(id)
	require.False(t, ok)
	s.Wait()
	_, ok = s.Get(id)
	require.False(t, ok, "a queued Set must not come back after Delete")
}

func TestSessions_NeverServesAnOlderRevision(t *testing.T) {
	s := newSessions(t, 1<<20)
	served := 0 // ristretto may drop a Set; the checks below need some kept
	for range 200 {
		id := session.NewID()
		// Queued Sets of a new key: ristretto alone keeps the first.
		s.Set(rec(id, 1, "old"))
		s.Set(rec(id, 2, "new"))
		s.Wait()
		got, ok := s.Get(id)
		if ok {
			require.Equal(t, uint64(2), got.Rev)
		}
		s.Set(rec(id, 1, "older revision arriving late"))
		s.Wait()
		if got, ok := s.Get(id); ok {
			served++
			require.Equal(t, uint64(2), got.Rev, "a lower revision never replaces a cached higher one")
		}
	}
	require.Greater(t, served, 100, "most records are cached")
}

func TestSessions_QueuedOlderSetIsNeverServed(t *testing.T) {
	s := newSessions(t, 1<<20)
	served := 0
	for range 500 {
		id := session.NewID()
		s.Set(rec(id, 1, "a"))
		s.Set(rec(id, 2, "b"))
		for range 3 { // while ristretto applies the queue
			if got, ok := s.Get(id); ok {
				require.Equal(t, uint64(2), got.Rev)
			}
		}
		s.Wait()
		if got, ok := s.Get(id); ok {
			served++
			require.Equal(t, uint64(2), got.Rev, "once the queue is applied")
		}
	}
	require.Greater(t, served, 250, "most records are cached")
}

func TestSessions_StaysWithinBudget(t *testing.T) {
	const budget = 256 << 10
	s := newSessions(t, budget)
	big := string(make([]byte, 4<<10))
	for range 2000 {
		s.Set(rec(session.NewID(), 1, big))
	}
	s.Wait()
	m := s.Metrics()
	require.LessOrEqual(t, int64(m.CostAdded-m.CostEvicted), int64(budget))
	require.Positive(t, m.KeysAdded)
}

func TestSessions_ConcurrentUseIsSafe(t *testing.T) {
	s := newSessions(t, 1<<20)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			id := session.NewID()
			for i := range 200 {
				s.Set(rec(id, uint64(i+1), fmt.Sprint(w, i)))
				if got, ok := s.Get(id); ok && got.ID != id {
					t.Errorf("got record of %s for %s", got.ID.Short(), id.Short())
				}
				if i%50 == 0 {
					s.Delete(id)
				}
			}
		})
	}
	wg.Wait()
}

func TestNewSessions_RejectsNegativeBudget(t *testing.T) {
	_, err := NewSessions(-1)
	require.Error(t, err)
}

func TestNewKey_DiffersWhenAnyInputDiffers(t *testing.T) {
	base := NewKey("tmpl", "frag", []byte("data"))
	cases := map[string]Key{
		"template":       NewKey("tmpl2", "frag", []byte("data")),
		"fragment id":    NewKey("tmpl", "frag2", []byte("data")),
		"data":           NewKey("tmpl", "frag", []byte("datb")),
		"shifted bounds": NewKey("tmplf", "rag", []byte("data")),
		"empty data":     NewKey("tmpl", "frag", nil),
	}
	for name, k := range cases {
		require.NotEqual(t, base, k, name)
	}
	require.Equal(t, base, NewKey("tmpl", "frag", []byte("data")), "deterministic")
}

func TestFragments_SharesHTMLByContentOnly(t *testing.T) {
	f, err := NewFragments(1 << 20)
	require.NoError(t, err)
	defer f.Close()
	alice := NewKey("t", "greeting", []byte("alice"))
	bob := NewKey("t", "greeting", []byte("bob"))
	f.Set(alice, "<p>Hello alice</p>")
	f.Wait()
	html, ok := f.Get(alice)
	require.True(t, ok)
	require.Equal(t, "<p>Hello alice</p>", html)
	_, ok = f.Get(bob)
	require.False(t, ok, "bob's data never yields alice's HTML")
	m := f.Metrics()
	require.Equal(t, uint64(1), m.Hits)
	require.Equal(t, uint64(1), m.Misses)
}

func TestFragments_ComparesTheFullKey(t *testing.T) {
	f, err := NewFragments(1 << 20)
	require.NoError(t, err)
	defer f.Close()
	k := NewKey("t", "x", []byte("1"))
	// Plant an entry whose stored key differs, as a ristretto hash
	// collision would.
	other := NewKey("t", "x", []byte("2"))
	f.c.Set(string(k[:]), &fragment{key: other, html: "foreign"}, 1)
	f.Wait()
	_, ok := f.Get(k)
	require.False(t, ok)
}

func BenchmarkSessions_GetHit(b *testing.B) {
	s, _ := NewSessions(1 << 26)
	defer s.Close()
	ids := make([]session.ID, 1024)
	for i := range ids {
		ids[i] = session.NewID()
		s.Set(rec(ids[i], 1, "data"))
	}
	s.Wait()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			s.Get(ids[i&1023])
			i++
		}
	})
}

func BenchmarkSessions_Set(b *testing.B) {
	s, _ := NewSessions(1 << 26)
	defer s.Close()
	id := session.NewID()
	b.ResetTimer()
	for i := range b.N {
		s.Set(rec(id, uint64(i+1), "data"))
	}
}

func BenchmarkFragments_GetHit(b *testing.B) {
	f, _ := NewFragments(1 << 26)
	defer f.Close()
	k := NewKey("t", "x", []byte("data"))
	f.Set(k, "<p>x</p>")
	f.Wait()
	b.ResetTimer()
	for range b.N {
		f.Get(k)
	}
}
