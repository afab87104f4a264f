package ticker

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Symbols are the instruments the market quotes, in board order.
var Symbols = []string{
	"AAPL", "ADBE", "AMD", "AMZN", "ASML", "AVGO", "CSCO", "GOOG", "IBM", "INTC",
	"META", "MSFT", "NFLX", "NVDA", "ORCL", "PYPL", "QCOM", "SAP", "TSLA", "UBER",
}

// Quote is one symbol as a page shows it. The market formats it once per
// tick rather than every tab's template once per render: a tick is
// rendered by every tab.
type Quote struct {
	Symbol string
	Price  string // "134.38"
	Change string // since the open: "+0.48%"
	Trend  string // the last move, for CSS: "up", "down" or ""

	Watched bool // on the tab's watchlist: set by the tab, not the market
}

// Tick is what the market publishes on Topic: the whole board as it is
// now, not the moves since the last tick. A tab that skipped ticks (it fell
// behind, or reconnected) is up to date with the next one it applies.
type Tick struct {
	Seq    int64
	At     time.Time
	Quotes []Quote
}

// movesPerTick is how many symbols a tick moves: a tick changes a few
// cells of the board, not all of them.
const movesPerTick = 4

// instrument is a symbol's price walk.
type instrument struct{ price, open float64 }

// Market is a simulated market: a random walk of Symbols' prices. It is
// safe for concurrent use.
type Market struct {
	mu     sync.Mutex
	rnd    *rand.Rand
	walk   []instrument // by index in Symbols
	latest Tick
}

// NewMarket opens a market whose walk is seeded with seed.
func NewMarket(seed uint64, now time.Time) *Market {
	m := &Market{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	m.latest.At = now.UTC().Truncate(time.Second)
	for _, s := range Symbols {
		p := math.Round((20+m.rnd.Float64()*480)*100) / 100
		m.walk = append(m.walk, instrument{price: p, open: p})
		m.latest.Quotes = append(m.latest.Quotes, quote(s, instrument{p, p}, 0))
	}
	return m
}

func quote(symbol string, in instrument, dir int) Quote {
	q := Quote{
		Symbol: symbol,
		Price:  strconv.FormatFloat(in.price, 'f', 2, 64),
		Change: strconv.FormatFloat((in.price-in.open)/in.open*100, 'f', 2, 64) + "%",
	}
	if q.Change[0] != '-' {
		q.Change = "+" + q.Change
	}
	switch dir {
	case 1:
		q.Trend = "up"
	case -1:
		q.Trend = "down"
	}
	return q
}

// Next moves a few prices by up to 1% and returns the new board.
func (m *Market) Next(now time.Time) Tick {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &m.latest
	t.Seq++
	t.At = now.UTC().Truncate(time.Second)
	t.Quotes = slices.Clone(t.Quotes) // ticks handed out keep their quotes
	for range movesPerTick {
		i := m.rnd.IntN(len(m.walk))
		in := &m.walk[i]
		p := math.Max(0.01, math.Round(in.price*(1+(m.rnd.Float64()*2-1)/100)*100)/100)
		dir := 0
		switch {
		case p > in.price:
			dir = 1
		case p < in.price:
			dir = -1
		default:
			continue
		}
		in.price = p
		t.Quotes[i] = quote(Symbols[i], *in, dir)
	}
	return m.latest
}

// Latest returns the board as of the last tick, with quotes of its own.
func (m *Market) Latest() Tick {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.latest
	t.Quotes = slices.Clone(t.Quotes)
	return t
}

// Observe makes t the market's board if it is newer: a server that does
// not run the market follows the ticks it receives from one that does.
func (m *Market) Observe(t Tick) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.Seq > m.latest.Seq {
		m.latest = t
		m.latest.Quotes = slices.Clone(t.Quotes)
	}
}

// Has reports whether the market quotes symbol.
func Has(symbol string) bool { return slices.Contains(Symbols, symbol) }
