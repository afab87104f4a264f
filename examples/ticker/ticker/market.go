package ticker

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Symbols are the instruments the market quotes, in board order.
var Symbols = []string{
	"AAPL", "ADBE", "AMD", "AMZN", "ASML", "AVGO", "CSCO", "GOOG", "IBM", "INTC",
	"META", "MSFT", "NFLX", "NVDA", "ORCL", "PYPL", "QCOM", "SAP", "TSLA", "UBER",
}

// Quote is one symbol's state.
type Quote struct {
	Symbol string
	Price  float64
	Open   float64 // the price when the market opened, for the day's change
	Dir    int     // the last move: 1 up, -1 down, 0 none yet
}

// ChangePct is the change since the open, in percent.
func (q Quote) ChangePct() float64 { return (q.Price - q.Open) / q.Open * 100 }

// Trend names the last move for CSS: "up", "down" or "".
func (q Quote) Trend() string {
	switch q.Dir {
	case 1:
		return "up"
	case -1:
		return "down"
	}
	return ""
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

// Market is a simulated market: a random walk of Symbols' prices. It is
// safe for concurrent use.
type Market struct {
	mu     sync.Mutex
	rnd    *rand.Rand
	latest Tick
}

// NewMarket opens a market whose walk is seeded with seed.
func NewMarket(seed uint64, now time.Time) *Market {
	m := &Market{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	m.latest.At = now.UTC().Truncate(time.Second)
	for _, s := range Symbols {
		p := math.Round((20+m.rnd.Float64()*480)*100) / 100
		m.latest.Quotes = append(m.latest.Quotes, Quote{Symbol: s, Price: p, Open: p})
	}
	return m
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
		q := &t.Quotes[m.rnd.IntN(len(t.Quotes))]
		move := (m.rnd.Float64()*2 - 1) / 100
		p := math.Max(0.01, math.Round(q.Price*(1+move)*100)/100)
		switch {
		case p > q.Price:
			q.Dir = 1
		case p < q.Price:
			q.Dir = -1
		}
		q.Price = p
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
