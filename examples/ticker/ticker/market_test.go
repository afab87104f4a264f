package ticker

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func TestMarket_NextMovesAFewPricesAndLeavesEarlierTicksAlone(t *testing.T) {
	m := NewMarket(7, t0)
	first := m.Latest()
	kept := slices.Clone(first.Quotes)
	for i := 1; i <= 50; i++ {
		prev := m.Latest()
		next := m.Next(t0.Add(time.Duration(i) * time.Second))
		assert.Equal(t, int64(i), next.Seq)
		moved := 0
		for j, q := range next.Quotes {
			require.Equal(t, prev.Quotes[j].Symbol, q.Symbol, "the board keeps its order")
			require.Positive(t, q.Price)
			if q.Price != prev.Quotes[j].Price {
				moved++
			}
		}
		assert.LessOrEqual(t, moved, movesPerTick)
	}
	assert.Equal(t, kept, first.Quotes, "a tick handed out never changes")
}

func TestMarket_ObserveFollowsOnlyNewerTicks(t *testing.T) {
	leader, follower := NewMarket(1, t0), NewMarket(2, t0)
	tick := leader.Next(t0.Add(time.Second))
	follower.Observe(tick)
	assert.Equal(t, tick, follower.Latest())
	follower.Observe(Tick{Seq: 0})
	assert.Equal(t, tick.Seq, follower.Latest().Seq, "an older tick is ignored")
}

func TestQuote_FormatsPriceChangeAndTrend(t *testing.T) {
	tests := []struct {
		in   instrument
		dir  int
		want Quote
	}{
		{instrument{price: 110, open: 100}, 1, Quote{Symbol: "X", Price: "110.00", Change: "+10.00%", Trend: "up"}},
		{instrument{price: 90.5, open: 100}, -1, Quote{Symbol: "X", Price: "90.50", Change: "-9.50%", Trend: "down"}},
		{instrument{price: 100, open: 100}, 0, Quote{Symbol: "X", Price: "100.00", Change: "+0.00%"}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, quote("X", tc.in, tc.dir))
	}
}
