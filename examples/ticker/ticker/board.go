package ticker

import (
	"slices"
	"time"
)

// MaxWatch bounds a tab's watchlist.
const MaxWatch = 10

// Board is one tab's data: the market as the tab last saw it, its own
// watchlist, and whether it follows the market live.
type Board struct {
	Seq    int64
	At     time.Time
	Quotes []Quote
	Watch  []string // symbols, in the order they were added
	Paused bool
	// Watched are the quotes of the watchlist, in its order, kept by
	// mark. It is a field rather than a method so that the page's
	// watchlist reads only it: a method of the board reads the whole
	// board, which every tick changes, and the watchlist would render on
	// every tick.
	Watched []Quote
}

// apply makes t the board's market, with a copy of its quotes that
// becomes the board's own: the pushed tick is shared by every tab
// (live.SharedPayload), and mark changes the copy.
func (b *Board) apply(t Tick) {
	b.Seq, b.At, b.Quotes = t.Seq, t.At, slices.Clone(t.Quotes)
	b.mark()
}

// mark sets Watched on the quotes of the watchlist's symbols, and the
// board's Watched to their quotes.
func (b *Board) mark() {
	for i := range b.Quotes {
		b.Quotes[i].Watched = b.Watching(b.Quotes[i].Symbol)
	}
	var out []Quote // a new slice: a rendered board may still hold the last one
	if len(b.Watch) > 0 {
		out = make([]Quote, 0, len(b.Watch))
	}
	for _, s := range b.Watch {
		if i := slices.IndexFunc(b.Quotes, func(q Quote) bool { return q.Symbol == s }); i >= 0 {
			out = append(out, b.Quotes[i])
		}
	}
	b.Watched = out
}

// Watching reports whether symbol is on the watchlist.
func (b *Board) Watching(symbol string) bool { return slices.Contains(b.Watch, symbol) }
