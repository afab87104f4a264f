package plan

import (
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/cache"
)

func TestCacheKeys_GivesTheKeyOfTheExactInputOnly(t *testing.T) {
	p := &Plan{id: "plan"}
	row, cell := &unit{id: 1, name: "row"}, &unit{id: 2, name: "cell"}
	var c cacheKeys
	const digest = 42 // one digest for every input: only the full comparison tells them apart
	for _, tc := range []struct {
		name string
		u    *unit
		in   string
	}{
		{"alice's row", row, "alice"},
		{"bob's row under the same digest", row, "bob"},
		{"another part with alice's input", cell, "alice"},
		{"alice's row again", row, "alice"},
		{"a prefix of alice's input", row, "alic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.key(p, tc.u, digest, []byte(tc.in))
			assert.Equal(t, cache.NewKey(p.id, tc.u.name, []byte(tc.in)), got)
		})
	}
}

// TestCacheKeys_HoldsAtMostItsBudget fills each of the plan's maps, the
// keys and the HTML found for them, with far more than its budget.
func TestCacheKeys_HoldsAtMostItsBudget(t *testing.T) {
	p := &Plan{id: "plan"}
	u := &unit{id: 1, name: "row"}
	for _, tc := range []struct {
		name string
		put  func(c *cacheKeys, i uint64, in []byte)
		held func(c *cacheKeys) iter.Seq2[uint64, cacheKeyEntry]
	}{
		{"keys", func(c *cacheKeys, i uint64, in []byte) {
			require.Equal(t, cache.NewKey(p.id, u.name, in), c.key(p, u, i, in))
		}, func(c *cacheKeys) iter.Seq2[uint64, cacheKeyEntry] { return c.keys.All() }},
		{"HTML", func(c *cacheKeys, i uint64, in []byte) {
			k, _, _ := c.lookup(p, u, i, in)
			c.found(u, i, in, k, fmt.Sprintf("<li>%0200d</li>", i))
		}, func(c *cacheKeys) iter.Seq2[uint64, cacheKeyEntry] { return c.htmls.All() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c cacheKeys
			for i := range 20000 {
				tc.put(&c, uint64(i), []byte(fmt.Sprintf("%0100d", i)))
			}
			held := 0
			for _, e := range tc.held(&c) {
				held += cacheKeyCost([]byte(e.in), e.html)
			}
			assert.Positive(t, held)
			assert.LessOrEqual(t, held, cacheKeysBudget)
		})
	}
}

func TestCacheKeys_KeepsPartsThatReadTheSameValueApart(t *testing.T) {
	p := &Plan{id: "plan"}
	row, item := &unit{id: 1, name: "row"}, &unit{id: 2, name: "item"}
	var c cacheKeys
	in := []byte("the same quote")
	c.key(p, row, 42, in)
	c.key(p, item, 42, in) // a table row and a watchlist item of one quote: the same part key
	assert.Equal(t, 2, c.keys.Len(), "neither replaces the other")
}

func TestCacheKeys_GivesTheKeyOfAnInputTooLargeToKeep(t *testing.T) {
	p := &Plan{id: "plan"}
	u := &unit{id: 1, name: "page"}
	var c cacheKeys
	in := make([]byte, cacheKeysBudget/cacheKeyShards)
	assert.Equal(t, cache.NewKey(p.id, u.name, in), c.key(p, u, 7, in))
	assert.Equal(t, cache.NewKey(p.id, u.name, in), c.key(p, u, 7, in), "again")
	assert.Zero(t, c.keys.Len(), "larger than a generation: not kept")
}

func TestCacheKeys_GivesTheHTMLFoundOnlyForTheExactInput(t *testing.T) {
	p := &Plan{id: "plan"}
	row, cell := &unit{id: 1, name: "row"}, &unit{id: 2, name: "cell"}
	var c cacheKeys
	const digest = 42 // one digest for every input: only the full comparison tells them apart
	k, html, known := c.lookup(p, row, digest, []byte("alice"))
	require.False(t, known, "nothing found yet")
	require.Empty(t, html)
	c.found(row, digest, []byte("alice"), k, "<li>alice</li>")
	for _, tc := range []struct {
		name  string
		u     *unit
		in    string
		known bool
	}{
		{"alice's row", row, "alice", true},
		{"bob's row under the same digest", row, "bob", false},
		{"another part with alice's input", cell, "alice", false},
		{"a prefix of alice's input", row, "alic", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, html, known := c.lookup(p, tc.u, digest, []byte(tc.in))
			assert.Equal(t, cache.NewKey(p.id, tc.u.name, []byte(tc.in)), k)
			assert.Equal(t, tc.known, known)
			if tc.known {
				assert.Equal(t, "<li>alice</li>", html)
			} else {
				assert.Empty(t, html)
			}
		})
	}
}

func TestCacheKeys_KeepsNoHTMLLargerThanAGeneration(t *testing.T) {
	p := &Plan{id: "plan"}
	u := &unit{id: 1, name: "page"}
	var c cacheKeys
	in := []byte("input")
	k, _, _ := c.lookup(p, u, 7, in)
	c.found(u, 7, in, k, string(make([]byte, cacheKeysBudget/cacheKeyShards)))
	_, html, known := c.lookup(p, u, 7, in)
	assert.False(t, known)
	assert.Empty(t, html)
}

// TestCacheKeys_ConcurrentLookupsGiveEachInputItsOwnHTML looks up and
// remembers the HTML of inputs from many goroutines at once, under few
// digests (so that inputs collide and evict each other): a lookup that
// finds HTML finds that of its own input and part.
func TestCacheKeys_ConcurrentLookupsGiveEachInputItsOwnHTML(t *testing.T) {
	p := &Plan{id: "plan"}
	units := []*unit{{id: 1, name: "row"}, {id: 2, name: "cell"}}
	var c cacheKeys
	var known atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 4000 {
				u := units[(g+i)%len(units)]
				v := (g*7 + i*13) % 97
				in := []byte(fmt.Sprintf("quote-%d", v))
				html := fmt.Sprintf("<%s>%d</%s>", u.name, v, u.name)
				digest := uint64(v % 5)
				k, got, ok := c.lookup(p, u, digest, in)
				if !assert.Equal(t, cache.NewKey(p.id, u.name, in), k) {
					return
				}
				if ok {
					known.Add(1)
					if !assert.Equal(t, html, got, "%s of %s", u.name, in) {
						return
					}
					continue
				}
				c.found(u, digest, in, k, html)
			}
		})
	}
	wg.Wait()
	assert.Positive(t, known.Load(), "some lookups found remembered HTML")
}
