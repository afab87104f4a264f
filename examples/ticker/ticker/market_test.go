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

func TestQuote_TrendAndChange(t *testing.T) {
	tests := []struct {
		q         Quote
		trend     string
		changePct float64
	}{
		{Quote{Price: 110, Open: 100, Dir: 1}, "up", 10},
		{Quote{Price: 90, Open: 100, Dir: -1}, "down", -10},
		{Quote{Price: 100, Open: 100}, "", 0},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.trend, tc.q.Trend())
		assert.InDelta(t, tc.changePct, tc.q.ChangePct(), 1e-9)
	}
}
