package cache

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func newFragments(t *testing.T, budget int64) *Fragments {
	t.Helper()
	f, err := NewFragments(budget)
	require.NoError(t, err)
	t.Cleanup(f.Close)
	return f
}

func TestFragments_GetSeesASetAtOnce(t *testing.T) {
	f := newFragments(t, 1<<20)
	for i := range 200 {
		k := NewKey("t", "part", []byte(fmt.Sprint(i)))
		f.Set(k, fmt.Sprintf("<b>%d</b>", i))
		// No Wait: ristretto may not have applied the Set yet.
		html, ok := f.Get(k)
		require.True(t, ok, "set %d", i)
		require.Equal(t, fmt.Sprintf("<b>%d</b>", i), html)
	}
	require.Equal(t, uint64(200), f.Metrics().Hits, "hits in the front are counted")
}

func TestFragments_FrontNeverServesAnotherKeysHTML(t *testing.T) {
	f := newFragments(t, 1<<20)
	alice := NewKey("t", "greeting", []byte("alice"))
	bob := NewKey("t", "greeting", []byte("bob"))
	f.Set(alice, "<p>Hello alice</p>")
	_, ok := f.Get(bob)
	require.False(t, ok)
}

func TestFragments_FrontStaysWithinItsShareOfTheBudget(t *testing.T) {
	const budget = 1 << 20
	f := newFragments(t, budget)
	html := strings.Repeat("x", 300)
	for i := range 20000 {
		f.Set(NewKey("t", "part", []byte(fmt.Sprint(i))), html)
	}
	var held int64
	entries := 0
	for _, h := range f.front.m.All() {
		held += entryCost(h)
		entries++
	}
	require.LessOrEqual(t, held, int64(budget/frontShare))
	require.Greater(t, entries, 100, "the front holds the latest Sets")
	last := NewKey("t", "part", []byte("19999"))
	_, ok := f.front.get(last)
	require.True(t, ok, "the last Set is in the front")
}

func TestFragments_FrontSkipsHTMLLargerThanAGeneration(t *testing.T) {
	f := newFragments(t, 1<<20) // a generation of a shard holds 2 KiB
	k := NewKey("t", "big", nil)
	f.Set(k, strings.Repeat("x", 4<<10))
	_, ok := f.front.get(k)
	require.False(t, ok)
}

func TestFragments_FrontIsSafeForConcurrentUse(t *testing.T) {
	f := newFragments(t, 1<<16)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 500 {
				k := NewKey("t", "p", []byte(fmt.Sprint(w, i%50)))
				want := fmt.Sprint(w, i%50)
				f.Set(k, want)
				if got, ok := f.Get(k); ok && got != want {
					t.Errorf("got %q for %q", got, want)
				}
			}
		})
	}
	wg.Wait()
}
