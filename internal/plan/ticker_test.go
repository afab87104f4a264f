package plan_test

import (
	"bytes"
	"html/template"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/examples/ticker/ticker"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/plan"
	"github.com/livefir/statetemplate/session"
)

// TestRender_TickerTickExecutesChangedCellsNotTheirRows renders ticks of
// the ticker example's page. A quote that moved changes only its price and
// change cells: its row's own markup (its id, its symbol) is unchanged, so
// the row is a shell and only its cells are executed (the three of them: a
// cell's key reads the row whole), beside the tick line; the (empty)
// watchlist is left as it was. The updates and State are fragments.Diff's
// of the whole page.
func TestRender_TickerTickExecutesChangedCellsNotTheirRows(t *testing.T) {
	src, err := os.ReadFile("../../examples/ticker/ticker/page.html")
	require.NoError(t, err)
	tmpl := template.Must(template.New("page").Parse(string(src)))
	orig := template.Must(template.New("page").Parse(string(src)))
	p, err := plan.Build(tmpl, plan.Options{})
	require.NoError(t, err)

	start := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	m := ticker.NewMarket(7, start)
	board := func(tk ticker.Tick) (*ticker.Board, []byte) {
		b := &ticker.Board{Seq: tk.Seq, At: tk.At, Quotes: tk.Quotes}
		enc, err := session.EncodeData(b)
		require.NoError(t, err)
		return b, enc
	}
	last := m.Latest()
	b, enc := board(last)
	out, err := p.Render(plan.Input{Data: b, Enc: enc})
	require.NoError(t, err)
	_, ref, err := fragments.Diff(nil, executeTicker(t, orig, b))
	require.NoError(t, err)

	moves := 0
	for i := range 8 {
		tk := m.Next(start.Add(time.Duration(i+1) * time.Second))
		b, enc := board(tk)
		page := executeTicker(t, orig, b)
		parts := []string{"tick"}
		for k, q := range tk.Quotes {
			if q != last.Quotes[k] {
				parts = append(parts, "p-"+q.Symbol, "c-"+q.Symbol, "b-"+q.Symbol)
				moves++
			}
		}
		last = tk

		got, err := p.Render(plan.Input{Data: b, Enc: enc, Prev: out.State, Memo: out.Memo})
		require.NoError(t, err)
		want, wantState, err := fragments.Diff(ref, page)
		require.NoError(t, err)
		require.Equal(t, want, got.Updates, "tick %d", i)
		gotState := *got.State
		gotState.PageHash = wantState.PageHash // a render that skips does not hash the page
		require.Equal(t, *wantState, gotState, "tick %d", i)

		require.True(t, got.Skipped, "tick %d: the page is not executed", i)
		require.Equal(t, len(parts), got.Patched, "tick %d: executed alone: %v", i, parts)
		most := 0 // the markup of the parts, of which unchanged parts inside are spliced
		for _, id := range parts {
			most += len(outerHTML(t, page, id))
		}
		require.LessOrEqual(t, got.Written, most, "tick %d: the markup executed is at most that of %v", i, parts)
		out, ref = got, wantState
	}
	require.Positive(t, moves, "the ticks moved quotes")
}

func executeTicker(t *testing.T, tmpl *template.Template, b *ticker.Board) []byte {
	var buf bytes.Buffer
	require.NoError(t, tmpl.Execute(&buf, b))
	return buf.Bytes()
}

// outerHTML returns the element with id id in page, from the whitespace
// before it (a part's lead) to its end tag (it holds no element of its own
// tag).
func outerHTML(t *testing.T, page []byte, id string) string {
	s := string(page)
	at := strings.Index(s, ` id="`+id+`"`)
	require.GreaterOrEqual(t, at, 0, "element %s", id)
	open := strings.LastIndexByte(s[:at], '<')
	tag := s[open+1 : at]
	end := strings.Index(s[at:], "</"+tag+">")
	require.GreaterOrEqual(t, end, 0, "end of %s", id)
	lead := len(strings.TrimRight(s[:open], " \t\n"))
	return s[lead : at+end+len("</"+tag+">")]
}

// BenchmarkRender_TickerTick renders ticks of the ticker example's page for
// several tabs that share a fragment cache, as the sessions of one server
// do: per tab, encoding the board and rendering the tick (ns/op is per tab
// per tick). "own" renders every tab's tick (an encoding the session does
// not keep is never shared); "shared" keeps the encodings, as sessions do,
// so that the first tab renders each tick and the others take its
// transition.
func BenchmarkRender_TickerTick(b *testing.B) {
	b.Run("own", func(b *testing.B) { benchmarkTickerTick(b, false) })
	b.Run("shared", func(b *testing.B) { benchmarkTickerTick(b, true) })
}

func benchmarkTickerTick(b *testing.B, kept bool) {
	const tabs, ticks = 8, 64
	src, err := os.ReadFile("../../examples/ticker/ticker/page.html")
	require.NoError(b, err)
	p, err := plan.Build(template.Must(template.New("page").Parse(string(src))), plan.Options{})
	require.NoError(b, err)
	shared, err := cache.NewFragments(1 << 24)
	require.NoError(b, err)
	patches := fragments.NewPatchCache(1 << 20)
	start := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	m := ticker.NewMarket(7, start)
	boards := make([]*ticker.Board, ticks)
	for i := range boards {
		tk := m.Next(start.Add(time.Duration(i+1) * time.Second))
		boards[i] = &ticker.Board{Seq: tk.Seq, At: tk.At, Quotes: tk.Quotes}
	}
	outs := make([]plan.Output, tabs)
	for t := range outs {
		enc, err := session.EncodeData(boards[0])
		require.NoError(b, err)
		outs[t], err = p.Render(plan.Input{Data: boards[0], Enc: enc, Cache: shared, Patches: patches})
		require.NoError(b, err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t := i % tabs
		bd := boards[(i/tabs)%ticks] // every tab renders tick k, then k+1
		enc, err := session.EncodeData(bd)
		if err != nil {
			b.Fatal(err)
		}
		out, err := p.Render(plan.Input{Data: bd, Enc: enc, EncKept: kept, Prev: outs[t].State, Memo: outs[t].Memo, Cache: shared, Patches: patches})
		if err != nil {
			b.Fatal(err)
		}
		if t > 0 && out.Shared != kept {
			// (The first tab may take its own transition of 64 ticks
			// before: the ticks repeat.)
			b.Fatalf("tab %d: shared %v", t, out.Shared)
		}
		outs[t] = out
		i++
	}
}
