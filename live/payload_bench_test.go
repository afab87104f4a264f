package live

import (
	"testing"

	"github.com/livefir/statetemplate/session"
)

// BenchmarkSharedPayload_CheckAgainstDecode compares what a SharedPayload
// publish pays once to find a handler that changed the shared value
// (sharedChanged) with one session's decoding of the payload, which it
// saves every session but the first: a ticker's tick of 12 quotes.
func BenchmarkSharedPayload_CheckAgainstDecode(b *testing.B) {
	type quote struct {
		Symbol, Price, Change, Trend string
		Watched                      bool
	}
	type tick struct {
		Seq    int64
		At     string
		Quotes []quote
	}
	t := tick{Seq: 1, At: "9:27:07 AM"}
	for range 12 {
		t.Quotes = append(t.Quotes, quote{"AAPL", "485.31", "+0.48%", "up", false})
	}
	raw, err := session.EncodeData(t)
	if err != nil {
		b.Fatal(err)
	}
	shared := new(tick)
	if err := session.DecodeData(raw, shared); err != nil {
		b.Fatal(err)
	}
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if sharedChanged(raw, shared) {
				b.Fatal("an unchanged value found changed")
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			var v tick
			if err := session.DecodeData(raw, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
