package plan

import (
	"fmt"
	"html/template"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
)

func TestCacheUse_SkipsLookupsAfterAWindowWithoutAHit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hitEvery int // a hit every n lookups; 0: never
		skipped  int // lookups skipped after the first window
	}{
		{"never hits", 0, cacheUseSkip},
		{"hits once a window", cacheUseWindow, 0},
		{"hits mostly", 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c cacheUse
			for i := range cacheUseWindow {
				require.True(t, c.try(), "lookup %d of the first window", i)
				c.note(tc.hitEvery > 0 && (i+1)%tc.hitEvery == 0)
			}
			skipped := 0
			for range cacheUseSkip + 1 {
				if !c.try() {
					skipped++
					continue
				}
				c.note(true)
			}
			assert.Equal(t, tc.skipped, skipped)
			assert.True(t, c.try(), "looked up again after the skips")
		})
	}
}

// countingCache is a synchronous shared cache that counts its calls.
type countingCache struct {
	mu               sync.Mutex
	m                map[cache.Key]string
	gets, hits, sets int
}

func (c *countingCache) Get(k cache.Key) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets++
	html, ok := c.m[k]
	if ok {
		c.hits++
	}
	return html, ok
}

func (c *countingCache) Set(k cache.Key, html string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sets++
	c.m[k] = html
}

type cacheUsePage struct {
	Tab, Tick int
}

// TestRender_PartOnlyItsSessionRendersStopsBeingLookedUp renders ticks to
// tabs sharing a cache: every tab shows the tick (the same HTML in every
// tab) and its own line (HTML no other tab, and no other tick, has). The
// tick is found in the cache by the second tab, and the plan remembers
// what it found for the tabs after (cacheKeys.found); the own line is
// looked up for a window, then no longer: neither looked up nor Set. The
// updates are fragments.Diff's of the whole page throughout.
func TestRender_PartOnlyItsSessionRendersStopsBeingLookedUp(t *testing.T) {
	const src = `<html><body><p id="tick">tick {{.Tick}}</p><p id="own">tab {{.Tab}} at {{.Tick}}</p></body></html>`
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	orig := template.Must(template.New("page").Parse(src))
	const tabs, ticks = 8, 80
	shared := &countingCache{m: map[cache.Key]string{}}
	outs := make([]Output, tabs)
	pages := make([]*fragments.State, tabs)
	for tick := range ticks {
		for i := range outs {
			d := &cacheUsePage{Tab: i, Tick: tick}
			got, err := p.Render(Input{Data: d, Enc: encode(t, d), Prev: outs[i].State, Memo: outs[i].Memo, Cache: shared})
			require.NoError(t, err)
			want, wantState, err := fragments.Diff(pages[i], execute(t, orig, d))
			require.NoError(t, err)
			if tick > 0 {
				require.Equal(t, want, got.Updates, "tick %d, tab %d", tick, i)
			}
			outs[i], pages[i] = got, wantState
		}
	}
	assert.Equal(t, ticks, shared.hits, "the tick, from the cache in the second tab; the plan remembers it for the rest")
	assert.Equal(t, ticks, shared.sets-cacheUseWindow, "a Set of the tick per tick, of the own line for a window")
	assert.Equal(t, 2*ticks+cacheUseWindow, shared.gets, "the tick looked up in the first two tabs, the own line for a window")
}

// TestRender_OwnPartIsPatchedWithoutThePatchCache renders ticks to tabs
// whose own line reads a tab number that differs from the next tab's in
// one byte of its encoding: it is never found in another tab, so once its
// lookups stop, its patch is marked Own and DiffPatched neither looks it
// up in nor adds it to the PatchCache, while the tick every tab shows is
// replayed from it. Every tab gets fragments.Diff of its own whole page,
// its own line and no other tab's.
func TestRender_OwnPartIsPatchedWithoutThePatchCache(t *testing.T) {
	const src = `<html><body><p id="tick">tick {{.Tick}}</p><p id="own">tab {{.Tab}} at {{.Tick}}</p></body></html>`
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	orig := template.Must(template.New("page").Parse(src))
	const tabs, ticks = 4, 40
	require.Len(t, diffBytes(encode(t, &cacheUsePage{Tab: 1}), encode(t, &cacheUsePage{Tab: 2})), 1, "tabs differ in one byte")
	shared := &countingCache{m: map[cache.Key]string{}}
	patches := fragments.NewPatchCache(1 << 20)
	outs := make([]Output, tabs)
	pages := make([]*fragments.State, tabs)
	own0 := ownPatches.Load()
	var ownUpdates int
	for tick := range ticks {
		for i := range outs {
			d := &cacheUsePage{Tab: i + 1, Tick: tick}
			hits := patches.Hits()
			got, err := p.Render(Input{Data: d, Enc: encode(t, d), Prev: outs[i].State, Memo: outs[i].Memo, Cache: shared, Patches: patches})
			require.NoError(t, err)
			want, wantState, err := fragments.Diff(pages[i], execute(t, orig, d))
			require.NoError(t, err)
			if tick > 0 {
				require.Equal(t, want, got.Updates, "tick %d, tab %d", tick, i)
				require.Len(t, got.Updates, 2)
				require.Equal(t, fmt.Sprintf("tab %d at %d", i+1, tick), got.Updates[1].HTML)
				ownUpdates++
				if i > 0 {
					assert.Equal(t, hits+1, patches.Hits(), "tick %d, tab %d: the tick replayed, the own line tokenized", tick, i)
				}
			}
			outs[i], pages[i] = got, wantState
		}
	}
	assert.Equal(t, int64(ownUpdates-(cacheUseWindow-tabs)), ownPatches.Load()-own0,
		"the own line's patch is Own in every render but those of its window of lookups (the first page's among them)")
}

// diffBytes returns the offsets at which a and b, of one length, differ.
func diffBytes(a, b []byte) []int {
	var at []int
	for i := range a {
		if a[i] != b[i] {
			at = append(at, i)
		}
	}
	return at
}
