package fragments

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cachedTokens returns the extraction in.Cache holds of patch i, or nil.
func cachedTokens(in PatchInput, i int) *patchTokens {
	in = withOuter(in, &outerBuffers{})
	p := in.Patches[i]
	m := in.Page[p.Start:p.End]
	return in.Cache.get(patchKey(m, p.Seen.ctx), m, p.Seen.ctx)
}

// sameString reports whether a and b are the very same string.
func sameString(a, b string) bool {
	return len(a) > 0 && len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// TestDiffPatched_RootUpdateCarriesTheCachedMarkupOnlyWhenItIsThePatchs
// primes a cache, then diffs a patch against it: the update that replaces
// the patch's root is what a full Diff sends, its hash HashHTML's, and it
// is the cache's string exactly when the cache holds these very bytes in
// this context and the patch is not Own.
func TestDiffPatched_RootUpdateCarriesTheCachedMarkupOnlyWhenItIsThePatchs(t *testing.T) {
	cell := func(x string) func(c *PatchCache) (PatchInput, []byte) {
		return func(c *PatchCache) (PatchInput, []byte) { return patchCell(t, 0, x, c) }
	}
	line := func(x string) func(c *PatchCache) (PatchInput, []byte) {
		return func(c *PatchCache) (PatchInput, []byte) {
			in := patchLine(t, x, c)
			return in, []byte(`<body><div id="d">` + "\n  " + `<p id="x">` + x + "</p>\n</div></body>")
		}
	}
	for _, tc := range []struct {
		name   string
		prime  func(c *PatchCache) (PatchInput, []byte) // nil: nothing
		forge  bool                                     // put other markup under the patch's key
		in     func(c *PatchCache) (PatchInput, []byte)
		own    bool
		shared bool // the update is the cache's string (not own, not forged)
	}{
		{"the same cell again shares the cached string", cell("<i>2</i>"), false, cell("<i>2</i>"), false, true},
		{"a first cell is cut, then shared", nil, false, cell("<i>2</i>"), false, true},
		{"another cell misses the primed one", cell("<i>2</i>"), false, cell("<i>3</i>"), false, true},
		{"a cell whose root's attributes differ misses", cell("<i>2</i>"), false, func(c *PatchCache) (PatchInput, []byte) {
			in, page := patchCell(t, 0, "<i>2</i>", c)
			page = []byte(strings.Replace(string(page), `<td id="x">`, `<td id="x" class="hot">`, 1))
			in.Page = page
			in.Patches[0].End += len(` class="hot"`)
			in.Bounds[0].End += len(` class="hot"`)
			return in, page
		}, false, true},
		{"a forged entry under the patch's key is not sent", nil, true, cell("<i>2</i>"), false, false},
		{"an own cell takes nothing from the cache", cell("<i>2</i>"), false, cell("<i>2</i>"), true, false},
		{"a line with an outer lead sends its lead", line("<em>2</em>"), false, line("<em>2</em>"), false, true},
		{"an own line with an outer lead", line("<em>2</em>"), false, line("<em>2</em>"), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewPatchCache(1 << 20)
			if tc.prime != nil {
				in, _ := tc.prime(c)
				_, err := DiffPatched(in)
				require.NoError(t, err)
			}
			in, page := tc.in(c)
			in.Patches[0].Own = tc.own
			if tc.forge {
				w := withOuter(in, &outerBuffers{})
				p := w.Patches[0]
				forged := `<td id="x">forged</td>`
				c.set(patchKey(w.Page[p.Start:p.End], p.Seen.ctx), &patchTokens{markup: forged, hash: HashHTML(forged), ctx: p.Seen.ctx})
			}
			got, err := DiffPatched(in)
			require.NoError(t, err)
			want, wantState := diffAll(t, in.Prev, page)
			require.Equal(t, want, got.Updates)
			requireStateOf(t, wantState, got.State)
			require.Len(t, got.Updates, 1)
			u := got.Updates[0]
			assert.Equal(t, HashHTML(u.HTML), u.HTMLHash)
			require.Equal(t, ActionReplace, u.Action, "the update replaces the patch's root")
			tok := cachedTokens(in, 0)
			if tc.forge {
				assert.Nil(t, tok, "the forged entry keeps the key (the first kept wins)")
				assert.NotContains(t, u.HTML, "forged")
				return
			}
			if tc.own {
				if tok != nil {
					assert.False(t, sameString(u.HTML, tok.markup), "an own patch's update is its own string")
				}
				return
			}
			require.NotNil(t, tok, "a shared patch is kept")
			assert.Equal(t, HashHTML(tok.markup), tok.hash, "the kept hash is HashHTML's")
			assert.Equal(t, tc.shared, sameString(u.HTML, tok.markup), "the update is the cache's string")
		})
	}
}

// TestDiffPatched_SessionsSharingAPatchEachGetTheirOwnPage diffs, at once,
// sessions that share one cache: half send one cell, half another, in
// pages padded differently. Each gets exactly its full Diff (run -race).
func TestDiffPatched_SessionsSharingAPatchEachGetTheirOwnPage(t *testing.T) {
	c := NewPatchCache(1 << 20)
	type session struct {
		in   PatchInput
		want []Update
	}
	sessions := make([]session, 16)
	for s := range sessions {
		in, page := patchCell(t, s%3, []string{"<i>2</i>", "<i>3</i>"}[s%2], c)
		want, _ := diffAll(t, in.Prev, page)
		sessions[s] = session{in, want}
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(sessions))
	for s, ss := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				got, err := DiffPatched(ss.in)
				if err != nil {
					errs <- err.Error()
					return
				}
				if !assert.ObjectsAreEqual(ss.want, got.Updates) {
					errs <- fmt.Sprintf("session %d got updates other than its own page's", s)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	assert.Positive(t, c.Hits())
}

// TestDiffPatched_PooledBuffersPinNoCachedPatch diffs a cached patch, then
// looks at the buffers pooled for the next call: they hold none of the
// cache's extractions, which the cache alone decides to keep or drop.
func TestDiffPatched_PooledBuffersPinNoCachedPatch(t *testing.T) {
	c := NewPatchCache(1 << 20)
	looked := 0
	for range 20 {
		in, _ := patchCell(t, 0, "<i>2</i>", c)
		_, err := DiffPatched(in)
		require.NoError(t, err)
		b, ok := spliceBufferPool.Get().(*spliceBuffers)
		if !ok {
			continue // the pool may drop what it is given (it does under -race)
		}
		looked++
		for i, tok := range b.tokens[:cap(b.tokens)] {
			require.Nil(t, tok, "a pooled buffer holds cached patch %d", i)
		}
		for i, tok := range b.hits[:cap(b.hits)] {
			require.Nil(t, tok, "a pooled buffer holds hit %d", i)
		}
		spliceBufferPool.Put(b)
	}
	require.Positive(t, looked, "a pooled buffer was looked at")
	require.Positive(t, c.Hits())
}
