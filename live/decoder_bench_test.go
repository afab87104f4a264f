package live_test

import (
	"bufio"
	"os"
	"strconv"
	"testing"

	"github.com/livefir/statetemplate/live"
)

// tickerFrames are the frames one tab of the ticker example read in a run
// of the load tool (-app ticker -watch 3 at 5 publishes/s, 15 s): the
// answers to its three watch actions, then one frame per tick, in order,
// each a Go string literal on a line of testdata/ticker-frames.txt.
func tickerFrames(tb testing.TB) [][]byte {
	tb.Helper()
	f, err := os.Open("testdata/ticker-frames.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var frames [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		s, err := strconv.Unquote(sc.Text())
		if err != nil {
			tb.Fatal(err)
		}
		frames = append(frames, []byte(s))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return frames
}

// BenchmarkDecoder_Tick decodes the recorded ticker frames of one tab in
// order, as the load tool's reader of a tab does, with a new decoder for
// each pass over them; per frame.
//
//	go test -run '^$' -bench Decoder_Tick -benchmem ./live
func BenchmarkDecoder_Tick(b *testing.B) {
	frames := tickerFrames(b)
	var d live.Decoder
	i := 0
	for b.Loop() {
		if i == len(frames) {
			d, i = live.Decoder{}, 0
		}
		if _, err := d.Decode(frames[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDecoder_TickInto is BenchmarkDecoder_Tick decoding into one
// batch reused (DecodeTo), as the load tool does.
func BenchmarkDecoder_TickInto(b *testing.B) {
	frames := tickerFrames(b)
	var d live.Decoder
	var batch live.Batch
	i := 0
	for b.Loop() {
		if i == len(frames) {
			d, i = live.Decoder{}, 0
		}
		if err := d.DecodeTo(&batch, frames[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
