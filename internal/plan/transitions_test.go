package plan_test

import (
	"html/template"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/examples/ticker/ticker"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/plan"
	"github.com/livefir/statetemplate/session"
)

// tab is one session of the ticker page in the transition tests: what it
// keeps between renders, and the State of fragments.Diff of its whole
// pages (the full-render path).
type tab struct {
	state *fragments.State
	memo  *plan.Memo
	title string
	ref   *fragments.State
}

// tickerFixture builds a plan of the ticker example's page and a shared
// part cache for it.
func tickerFixture(t *testing.T, opts plan.Options) (*plan.Plan, *template.Template, plan.Cache) {
	t.Helper()
	src, err := os.ReadFile("../../examples/ticker/ticker/page.html")
	require.NoError(t, err)
	funcs := template.FuncMap{"clock": func() string { return "now" }}
	if len(opts.Volatile) > 0 {
		// A page that calls a volatile function: the tick line shows
		// the server's time.
		src = []byte(strings.Replace(string(src), `<h1>Ticker</h1>`, `<h1>Ticker {{clock}}</h1>`, 1))
	}
	tmpl := template.Must(template.New("page").Funcs(funcs).Parse(string(src)))
	orig := template.Must(template.New("page").Funcs(funcs).Parse(string(src)))
	p, err := plan.Build(tmpl, opts)
	require.NoError(t, err)
	c, err := cache.NewFragments(1 << 20)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return p, orig, c
}

// boardOf returns a tab's board of tick tk and its encoding.
func boardOf(t *testing.T, tk ticker.Tick) (*ticker.Board, []byte) {
	t.Helper()
	b := &ticker.Board{Seq: tk.Seq, At: tk.At, Quotes: slices.Clone(tk.Quotes)}
	enc, err := session.EncodeData(b)
	require.NoError(t, err)
	return b, enc
}

// open renders tab's first page of b.
func open(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b *ticker.Board) *tab {
	t.Helper()
	enc, err := session.EncodeData(b)
	require.NoError(t, err)
	out, err := p.Render(plan.Input{Data: b, Enc: enc, EncKept: true, Cache: c})
	require.NoError(t, err)
	_, ref, err := fragments.Diff(nil, executeTicker(t, orig, b))
	require.NoError(t, err)
	return &tab{state: out.State, memo: out.Memo, title: out.Title, ref: ref}
}

// render renders b for tb and checks the result against fragments.Diff of
// the whole page from the page tb has.
func (tb *tab) render(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b *ticker.Board) plan.Output {
	t.Helper()
	enc, err := session.EncodeData(b)
	require.NoError(t, err)
	out, err := p.Render(plan.Input{Data: b, Enc: enc, EncKept: true, Prev: tb.state, Memo: tb.memo, Title: tb.title, Cache: c})
	require.NoError(t, err)
	want, wantState, err := fragments.Diff(tb.ref, executeTicker(t, orig, b))
	require.NoError(t, err)
	require.Equal(t, want, out.Updates, "the updates of the whole page")
	got := *out.State
	got.PageHash = wantState.PageHash
	require.Equal(t, *wantState, got, "the State of the whole page")
	tb.state, tb.memo, tb.ref = out.State, out.Memo, wantState
	if out.TitleKnown {
		tb.title = out.Title
	}
	return out
}

// TestRender_TabsOfATickShareOneTransition renders a tick for three tabs
// of the same page. The first renders it; the second, whose page and data
// are those of the first, takes the first's result without rendering;
// the third, whose board differs in one byte of one price, which a cell
// every tab shows reads, renders its own. Each gets what Diff gives for
// its own whole page.
func TestRender_TabsOfATickShareOneTransition(t *testing.T) {
	p, orig, c := tickerFixture(t, plan.Options{})
	start := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	m := ticker.NewMarket(7, start)
	b0, _ := boardOf(t, m.Latest())
	a, b, own, late := open(t, p, orig, c, b0), open(t, p, orig, c, b0), open(t, p, orig, c, b0), open(t, p, orig, c, b0)
	require.NotSame(t, a.state, b.state, "each tab rendered its first page")

	tk := m.Next(start.Add(time.Second))
	first, _ := boardOf(t, tk)
	out := a.render(t, p, orig, c, first)
	require.False(t, out.Shared, "the first tab renders the tick")
	require.NotEmpty(t, out.Updates)

	same, _ := boardOf(t, tk)
	got := b.render(t, p, orig, c, same)
	require.True(t, got.Shared, "an equal page and equal data: the first tab's result")
	assert.Same(t, a.state, b.state, "the State is shared, not copied")
	assert.Same(t, a.memo, b.memo)

	// One byte of one price: the cell's markup is this tab's alone.
	differ, _ := boardOf(t, tk)
	price := []byte(differ.Quotes[3].Price)
	price[len(price)-1] ^= 1
	differ.Quotes[3].Price = string(price)
	mine := own.render(t, p, orig, c, differ)
	require.False(t, mine.Shared, "data that differs in one byte does not share")
	require.NotEqual(t, out.Updates, mine.Updates)
	var sent strings.Builder
	for _, u := range mine.Updates {
		sent.WriteString(u.HTML)
	}
	assert.Contains(t, sent.String(), string(price), "its own price")
	assert.NotSame(t, a.state, own.state)

	// The updates are each tab's own copy: a session stamps them, and
	// the next tab to take the transition gets it as it was.
	got.Updates[0].HTML, got.Updates[0].Timestamp = "changed by one session", start
	late1, _ := boardOf(t, tk)
	require.True(t, late.render(t, p, orig, c, late1).Shared)

	tk2 := m.Next(start.Add(2 * time.Second))
	next, _ := boardOf(t, tk2)
	a.render(t, p, orig, c, next)
	again, _ := boardOf(t, tk2)
	require.True(t, b.render(t, p, orig, c, again).Shared, "the tabs share from then on")
}

// TestRender_TransitionsShareOnlyEqualInputs renders, for each of the
// inputs of a render that must be equal for two tabs to share, a second
// tab that differs from the first in it alone: it renders its own page.
func TestRender_TransitionsShareOnlyEqualInputs(t *testing.T) {
	start := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	cases := []struct {
		name string
		opts plan.Options
		// second sets up the second tab, which renders tick tk after
		// the first.
		second func(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b0 *ticker.Board, first *tab) *tab
		shared bool
	}{
		{name: "equal", shared: true, second: func(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b0 *ticker.Board, _ *tab) *tab {
			return open(t, p, orig, c, b0)
		}},
		{name: "another previous page", second: func(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b0 *ticker.Board, _ *tab) *tab {
			other := *b0
			other.Seq++
			return open(t, p, orig, c, &other)
		}},
		{name: "the same page, reached by another render", shared: true, second: func(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b0 *ticker.Board, first *tab) *tab {
			other := *b0
			other.Seq++
			tb := open(t, p, orig, c, &other)
			back := *b0
			tb.render(t, p, orig, c, &back)
			require.NotEqual(t, first.state.PageHash, tb.state.PageHash, "a patched State's PageHash is its own")
			return tb
		}},
		{name: "another title", second: func(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b0 *ticker.Board, _ *tab) *tab {
			tb := open(t, p, orig, c, b0)
			tb.title = "Ticker (2)"
			return tb
		}},
		{name: "no memo", second: func(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b0 *ticker.Board, _ *tab) *tab {
			tb := open(t, p, orig, c, b0)
			tb.memo = nil
			return tb
		}},
		{name: "a volatile page", opts: plan.Options{Volatile: []string{"clock"}}, second: func(t *testing.T, p *plan.Plan, orig *template.Template, c plan.Cache, b0 *ticker.Board, _ *tab) *tab {
			return open(t, p, orig, c, b0)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, orig, c := tickerFixture(t, tc.opts)
			m := ticker.NewMarket(7, start)
			b0, _ := boardOf(t, m.Latest())
			first := open(t, p, orig, c, b0)
			second := tc.second(t, p, orig, c, b0, first)
			tk := m.Next(start.Add(time.Second))
			x, _ := boardOf(t, tk)
			require.False(t, first.render(t, p, orig, c, x).Shared)
			y, _ := boardOf(t, tk)
			require.Equal(t, tc.shared, second.render(t, p, orig, c, y).Shared)
		})
	}
}

// TestRender_TransitionsNeedTheSharedCache renders two equal tabs without
// a shared cache (WithFragmentCache off): nothing is shared between
// sessions.
func TestRender_TransitionsNeedTheSharedCache(t *testing.T) {
	p, orig, _ := tickerFixture(t, plan.Options{})
	start := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	m := ticker.NewMarket(7, start)
	b0, _ := boardOf(t, m.Latest())
	a, b := open(t, p, orig, nil, b0), open(t, p, orig, nil, b0)
	tk := m.Next(start.Add(time.Second))
	x, _ := boardOf(t, tk)
	require.False(t, a.render(t, p, orig, nil, x).Shared)
	y, _ := boardOf(t, tk)
	require.False(t, b.render(t, p, orig, nil, y).Shared)
}

// TestRender_TabsShareATransitionBackToEarlierData renders ticks for two
// tabs whose data comes back to an earlier tick's from another page (a
// toggle, a price back where it was): the second tab takes the first's
// render each time, though the data was rendered before from another page.
func TestRender_TabsShareATransitionBackToEarlierData(t *testing.T) {
	p, orig, c := tickerFixture(t, plan.Options{})
	start := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	m := ticker.NewMarket(7, start)
	t0 := m.Latest()
	t1 := m.Next(start.Add(time.Second))
	t2 := m.Next(start.Add(2 * time.Second))
	b0, _ := boardOf(t, t0)
	a, b := open(t, p, orig, c, b0), open(t, p, orig, c, b0)
	for k, tk := range []ticker.Tick{t1, t2, t1, t0, t1} {
		x, _ := boardOf(t, tk)
		a.render(t, p, orig, c, x)
		y, _ := boardOf(t, tk)
		require.True(t, b.render(t, p, orig, c, y).Shared, "step %d", k)
	}
}

// TestRender_ReadOnlyRendersShareTheTransitionsUpdates renders a tick for
// three tabs of the same page: the second reads its updates only
// (Input.ReadOnly) and takes the first's array as it is; the third does
// not, and gets a copy of it, equal, which it may stamp without the
// others seeing it.
func TestRender_ReadOnlyRendersShareTheTransitionsUpdates(t *testing.T) {
	p, orig, c := tickerFixture(t, plan.Options{})
	start := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	m := ticker.NewMarket(7, start)
	b0, _ := boardOf(t, m.Latest())
	a, ro, own := open(t, p, orig, c, b0), open(t, p, orig, c, b0), open(t, p, orig, c, b0)

	tk := m.Next(start.Add(time.Second))
	first, _ := boardOf(t, tk)
	out := a.render(t, p, orig, c, first)
	require.False(t, out.Shared)
	require.NotEmpty(t, out.Updates)

	renderRO := func(tb *tab, readOnly bool) plan.Output {
		b, enc := boardOf(t, tk)
		got, err := p.Render(plan.Input{Data: b, Enc: enc, EncKept: true, Prev: tb.state, Memo: tb.memo, Title: tb.title, Cache: c, ReadOnly: readOnly})
		require.NoError(t, err)
		require.True(t, got.Shared, "an equal page and equal data: the first tab's result")
		require.Equal(t, out.Updates, got.Updates, "the first tab's updates")
		return got
	}
	shared := renderRO(ro, true)
	copied := renderRO(own, false)
	assert.Same(t, &shared.Updates[0], &renderRO(ro, true).Updates[0], "read-only renders read one array")
	assert.NotSame(t, &shared.Updates[0], &copied.Updates[0], "a render that may write gets its own")
	assert.NotSame(t, &out.Updates[0], &shared.Updates[0], "the render that made the transition keeps its own")
	copied.Updates[0].HTML, copied.Updates[0].Timestamp = "stamped by one session", start
	assert.Equal(t, out.Updates, shared.Updates, "what one session writes in its copy, no other sees")
}
