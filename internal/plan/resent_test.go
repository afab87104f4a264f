package plan

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
)

// footerWithShell is footerPage with a condition in the footer's shell.
const footerWithShell = `<body><main id="main"><p id="count">{{.Count}}</p>
<footer id="footer" data-cache="false" class="{{if .Up}}up{{else}}down{{end}}">
  <span>Clock: <span id="clock">{{.Clock}}</span></span>
  <span>Tab: <span id="tab">{{.Tab}}</span></span>
</footer></main></body>`

func TestResentShell_OnlyTheChangedPartsOfAReSentPartArePatched(t *testing.T) {
	p, orig := buildFooter(t, footerWithShell)
	shared := &countingCache{m: map[cache.Key]string{}}
	patches := fragments.NewPatchCache(1 << 20)
	tab := &footerTab{d: &footerData{Clock: "10:00:00", Up: true, Tab: "tab-1"}}
	renderTab(t, p, orig, tab, shared, patches)
	for _, step := range []struct {
		name   string
		change func(d *footerData)
		// resent: the footer is re-sent as a shell, patched: how many
		// patches DiffPatched tokenizes (0: the page did not change).
		resent  bool
		patched int
	}{
		{"the clock changes by one byte: it alone is patched", func(d *footerData) { d.Clock = "10:00:01" }, true, 1},
		{"the tab's id changes too", func(d *footerData) { d.Clock = "10:00:02"; d.Tab = "tab-2" }, true, 2},
		{"the shell's condition flips: the footer is patched whole", func(d *footerData) { d.Up = false }, false, 1},
		{"the shell flips back and the clock changes", func(d *footerData) { d.Up = true; d.Clock = "10:00:03" }, false, 1},
		{"another part changes, none of the footer's: re-sent unchanged", func(d *footerData) { d.Count++ }, false, 1},
		{"the clock changes again", func(d *footerData) { d.Clock = "10:00:04" }, true, 1},
	} {
		t.Run(step.name, func(t *testing.T) {
			resent := resentShells.Load()
			step.change(tab.d)
			html := footerHTML(t, renderTab(t, p, orig, tab, shared, patches))
			assert.Contains(t, html, `<span id="clock">`+tab.d.Clock+`</span>`, "the clock's new markup")
			assert.Contains(t, html, `<span id="tab">`+tab.d.Tab+`</span>`)
			if step.resent {
				assert.Equal(t, int64(1), resentShells.Load()-resent, "the footer re-sent as a shell")
			} else {
				assert.Zero(t, resentShells.Load()-resent)
			}
			assert.Equal(t, step.patched, tab.out.Patched)
		})
	}
}

func TestResentShell_TabsOfAPushShareNothingButTheirSharedParts(t *testing.T) {
	p, orig := buildFooter(t, footerWithShell)
	shared := &countingCache{m: map[cache.Key]string{}}
	patches := fragments.NewPatchCache(1 << 20)
	tabs := []*footerTab{
		{d: &footerData{Clock: "10:00:00", Up: true, Tab: "tab-1"}},
		{d: &footerData{Clock: "10:00:00", Up: true, Tab: "tab-2"}},
		{d: &footerData{Clock: "10:00:00", Up: true, Tab: "tab-3"}},
	}
	for _, tab := range tabs {
		renderTab(t, p, orig, tab, shared, patches)
	}
	for _, clock := range []string{"10:00:01", "10:00:02"} {
		resent, hits := resentShells.Load(), patches.Hits()
		for i, tab := range tabs {
			tab.d.Clock = clock
			html := footerHTML(t, renderTab(t, p, orig, tab, shared, patches))
			assert.Contains(t, html, `<span id="tab">`+tab.d.Tab+`</span>`, "tab %d's own id", i)
			for j, other := range tabs {
				if j != i {
					assert.NotContains(t, html, other.d.Tab, "tab %d's footer holds nothing of tab %d's", i, j)
				}
			}
		}
		assert.Equal(t, int64(len(tabs)), resentShells.Load()-resent, "every tab's footer re-sent as a shell")
		assert.Equal(t, uint64(len(tabs)-1), patches.Hits()-hits, "the clock, alike in every tab, tokenized once")
	}
}

// footerLeaf is a page whose data-cache="false" footer holds no part.
const footerLeaf = `<body><main id="main"><p id="count">{{.Count}}</p>
<footer id="footer" data-cache="false">Clock: {{.Clock}}</footer></main></body>`

func TestResentHTML_AnUnchangedReSentPartIsTakenFromTheMemoOnceTheCacheGaveIt(t *testing.T) {
	p, orig := buildFooter(t, footerLeaf)
	shared := &countingCache{m: map[cache.Key]string{}}
	tab := &footerTab{d: &footerData{Clock: "10:00:00"}}
	renderTab(t, p, orig, tab, shared, nil)
	for _, clock := range []string{"10:00:00", "10:00:01"} {
		tab.d.Clock = clock
		var kept, looked []int64
		for range 4 {
			k0, g0, r0 := keptHTML.Load(), shared.gets, rememberedHTML.Load()
			tab.d.Count++ // the footer is re-sent unchanged
			html := footerHTML(t, renderTab(t, p, orig, tab, shared, nil))
			assert.Equal(t, "Clock: "+clock, html[strings.Index(html, ">")+1:strings.LastIndex(html, "<")], "the footer's own HTML")
			// Lookups: the count's (it changed) and the footer's, from the
			// shared cache or the plan's memory of it, unless the memo
			// gave the footer.
			kept, looked = append(kept, keptHTML.Load()-k0), append(looked, int64(shared.gets-g0)+rememberedHTML.Load()-r0)
		}
		// At the latest once the cache gave it (the second render), the
		// memo keeps the footer's HTML: no lookup after.
		assert.Equal(t, []int64{1, 1}, kept[2:], "clock %s: from the memo", clock)
		assert.Equal(t, []int64{1, 1}, looked[2:], "clock %s: the count alone looked up", clock)
	}
}

func TestResentHTML_HTMLAPartRenderedItselfIsNotKept(t *testing.T) {
	p, orig := buildFooter(t, footerLeaf)
	tab := &footerTab{d: &footerData{Clock: "10:00:00"}}
	renderTab(t, p, orig, tab, nil, nil)
	for range 3 {
		tab.d.Count++
		k0 := keptHTML.Load()
		assert.Contains(t, footerHTML(t, renderTab(t, p, orig, tab, nil, nil)), "Clock: 10:00:00")
		assert.Zero(t, keptHTML.Load()-k0, "no shared cache: rendered, not kept")
		assert.True(t, tab.out.Skipped, "the render walked the memo")
		assert.Empty(t, tab.out.Memo.resent, "an idle session's memo holds no HTML of its own")
	}
}
