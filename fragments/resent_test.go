package fragments

import (
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resentPage is a page whose data-cache="false" footer holds two parts.
const resentPage = `<body><p id="n">1</p><footer id="f" data-cache="false"><b>Clock</b> <span id="c">10:00</span> <span id="t">tab</span></footer></body>`

// extractResentPage extracts resentPage, its four fragments spliced.
func extractResentPage(t *testing.T) ([]byte, *SpliceResult) {
	t.Helper()
	page := []byte(resentPage)
	spans := []span{
		{id: "n", start: at(t, page, `<p id="n">`), end: at(t, page, `<footer`)},
		{id: "f", start: at(t, page, `<footer`), end: at(t, page, `</body>`)},
		{id: "c", start: at(t, page, `<span id="c">`), end: at(t, page, ` <span id="t">`)},
		{id: "t", start: at(t, page, `<span id="t">`), end: at(t, page, `</footer>`)},
	}
	first, err := DiffSpliced(SpliceInput{Page: page, Bounds: bounds(spans)})
	require.NoError(t, err)
	return page, first
}

func TestDiffPatched_ShellWithNoCacheRootIsResentWhole(t *testing.T) {
	_, first := extractResentPage(t)
	footer := first.Seen[1]
	require.True(t, footer.ShellResent(), "only its root has data-cache=\"false\"")
	require.True(t, footer.ShellNoCache())

	// The clock changes: Diff re-sends the footer whole.
	next := `<body><p id="n">1</p><footer id="f" data-cache="false"><b>Clock</b> <span id="c">10:01</span> <span id="t">tab</span></footer></body>`
	want, wantState := diffAll(t, first.State, []byte(next))
	require.Len(t, want, 1)
	require.Equal(t, ActionReplace, want[0].Action)
	clock := []byte(`<span id="c">10:01</span>`)
	whole := next[at(t, []byte(next), `<footer`):at(t, []byte(next), `</body>`)]
	for _, own := range []bool{false, true} {
		cache := NewPatchCache(1 << 20)
		in := PatchInput{Prev: first.State, Page: clock,
			Patches: []Patch{{End: len(clock), Prev: 3, Seen: first.Seen[2]}},
			Shells:  []Shell{{Prev: 0, Seen: first.Body}, {Prev: 2, Seen: footer, Own: own}},
			Cache:   cache}
		_, err := DiffPatched(in)
		require.ErrorIs(t, err, ErrSplice, "no Markup: the shell's markup cannot be re-sent")
		asked := 0
		in.Markup = func(i int) ([]byte, error) {
			asked++
			assert.Equal(t, 1, i)
			return []byte(whole), nil
		}
		got, err := DiffPatched(in)
		require.NoError(t, err)
		assert.Equal(t, want, got.Updates, "the footer re-sent whole, from its markup")
		requireStateOf(t, wantState, got.State)
		assert.Equal(t, 1, asked)
		e, kept := cache.entries().Get(xxhash.Sum64([]byte(want[0].HTML)))
		assert.Equal(t, !own, kept && e.html == want[0].HTML, "an Own shell's HTML is not kept (own=%v)", own)
	}
}

func TestDiffPatched_ShellWithNoCacheBelowItsRootOrAtTheBodyIsRefused(t *testing.T) {
	page := []byte(`<body data-cache="false"><div id="a" data-cache="false"><i id="n" data-cache="false">n</i><p id="b">x</p></div></body>`)
	spans := []span{
		{id: "a", start: at(t, page, `<div id="a"`), end: at(t, page, `</body>`)},
		{id: "b", start: at(t, page, `<p id="b">`), end: at(t, page, `</div>`)},
	}
	first, err := DiffSpliced(SpliceInput{Page: page, Bounds: bounds(spans)})
	require.NoError(t, err)
	assert.False(t, first.Seen[0].ShellResent(), "#n, in #a's own part, has data-cache=\"false\" too")
	newB := []byte(`<p id="b">X</p>`)
	_, err = DiffPatched(PatchInput{Prev: first.State, Page: newB,
		Patches: []Patch{{End: len(newB), Prev: 3, Seen: first.Seen[1]}},
		Shells:  []Shell{{Prev: 0, Seen: first.Body}, {Prev: 1, Seen: first.Seen[0]}},
		Markup:  func(int) ([]byte, error) { return page, nil }})
	assert.ErrorIs(t, err, ErrSplice)
}

func TestDiffPatched_OwnShellWithNoPatchesKeepsItsHTMLOutOfTheCache(t *testing.T) {
	page, first := extractResentPage(t)
	whole := page[at(t, page, `<footer`):at(t, page, `</body>`)]
	for _, own := range []bool{false, true} {
		// Nothing inside the footer changed: it is re-sent, as Diff
		// re-sends a data-cache="false" fragment, with no patch at all.
		cache := NewPatchCache(1 << 20)
		got, err := DiffPatched(PatchInput{Prev: first.State,
			Shells: []Shell{{Prev: 0, Seen: first.Body}, {Prev: 2, Seen: first.Seen[1], Own: own}},
			Markup: func(int) ([]byte, error) { return whole, nil },
			Cache:  cache})
		require.NoError(t, err)
		require.Len(t, got.Updates, 1)
		assert.Equal(t, string(whole), got.Updates[0].HTML, "the footer re-sent whole")
		e, kept := cache.entries().Get(xxhash.Sum64(whole))
		assert.Equal(t, !own, kept && e.html == string(whole), "an Own shell's HTML is not kept (own=%v)", own)
	}
}
