package live_test

import (
	"fmt"
	"testing"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

// tickUpdates is a tick of the ticker example as a tab gets it: the tick
// line, and for each of moved quotes its price cell replaced (its class
// changed) and its change cell's text.
func tickUpdates(seq, moved int) []statetemplate.Update {
	ups := []statetemplate.Update{{FragmentID: "tick", Action: statetemplate.ActionText, HTML: fmt.Sprintf("#%d · 15:04:%02d", seq, seq%60)}}
	for q := range moved {
		sym := fmt.Sprintf("S%03d", (seq*7+q*3)%20)
		ups = append(ups,
			statetemplate.Update{FragmentID: "p-" + sym, Action: statetemplate.ActionReplace, HTML: fmt.Sprintf(`<td id="p-%s" class="up">%d.%02d</td>`, sym, 100+seq%50, seq%100)},
			statetemplate.Update{FragmentID: "c-" + sym, Action: statetemplate.ActionText, HTML: fmt.Sprintf("+0.%02d%%", seq%100)})
	}
	return ups
}

// BenchmarkEncode_Tick encodes ticks for one connection: version 2 (the
// same bytes for every connection), and version 3 (per connection, with
// references and splices, as a connection without a compression window
// gets them).
//
//	go test -run '^$' -bench Encode_Tick -benchmem ./live
func BenchmarkEncode_Tick(b *testing.B) {
	ticks := make([][]statetemplate.Update, 64)
	for i := range ticks {
		ticks[i] = tickUpdates(100+i, 4)
	}
	b.Run("v2", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := live.EncodeBatch(live.Batch{Updates: ticks[i%len(ticks)]}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("v3", func(b *testing.B) {
		var e live.Encoder
		i := 0
		for b.Loop() {
			if _, err := e.Encode(live.Batch{Updates: ticks[i%len(ticks)]}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkEncode_TickConns encodes each tick for each of 10,000
// connections in turn, as a push's fan-out does: what a connection keeps
// of its client (its ids, their texts and html) is cold in the cache by
// its next tick. The figure is per connection's batch.
//
//	go test -run '^$' -bench Encode_TickConns -benchmem ./live
func BenchmarkEncode_TickConns(b *testing.B) {
	ticks := make([][]statetemplate.Update, 64)
	for i := range ticks {
		ticks[i] = tickUpdates(100+i, 8)
	}
	encs := make([]live.Encoder, 10000)
	i := 0
	for b.Loop() {
		if _, err := encs[i%len(encs)].Encode(live.Batch{Updates: ticks[i/len(encs)%len(ticks)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
