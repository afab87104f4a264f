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
}

// apply makes t the board's market; the quotes become the board's own.
func (b *Board) apply(t Tick) {
	b.Seq, b.At, b.Quotes = t.Seq, t.At, t.Quotes
	b.mark()
}

// mark sets Watched on the quotes of the watchlist's symbols.
func (b *Board) mark() {
	for i := range b.Quotes {
		b.Quotes[i].Watched = b.Watching(b.Quotes[i].Symbol)
	}
}

// Watched returns the quotes of the watchlist, in its order.
func (b *Board) Watched() []Quote {
	out := make([]Quote, 0, len(b.Watch))
	for _, s := range b.Watch {
		if i := slices.IndexFunc(b.Quotes, func(q Quote) bool { return q.Symbol == s }); i >= 0 {
			out = append(out, b.Quotes[i])
		}
	}
	return out
}

// Watching reports whether symbol is on the watchlist.
func (b *Board) Watching(symbol string) bool { return slices.Contains(b.Watch, symbol) }
