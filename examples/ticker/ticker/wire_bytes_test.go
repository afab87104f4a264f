package ticker

import (
	"bytes"
	"compress/flate"
	"context"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/internal/wirebytes"
)

// tickBytes is what a tick costs one tab on the wire, in WebSocket frame
// payload bytes as they crossed the network: the first tick after the tab
// connected (cold: an empty compression window) and the median of the
// next ticks (warm); and the bytes of the page's largest board row.
type tickBytes struct{ cold, warm, row int }

// measureTicks publishes the ticks of market (its board now, and the next
// tick) to one tab offering mode, and measures each.
func measureTicks(t testing.TB, mode websocket.CompressionMode, market func() (Tick, func() Tick)) tickBytes {
	s := startServer(t, nil)
	board, next := market()
	s.market.Observe(board) // the board the tab starts with
	rec := &wirebytes.Recorder{}
	tab := livetest.OpenWith(t, s.URL, websocket.DialOptions{HTTPClient: rec.HTTPClient(), CompressionMode: mode})
	tab.Send(t, `{"action":"unwatch","symbol":"none","_seq":1}`)
	require.Equal(t, int64(1), tab.Next(t).Ack, "subscribed")
	var sizes []int
	for range 21 {
		msgs, err := rec.Data()
		require.NoError(t, err)
		before := len(msgs)
		require.NoError(t, s.app.Publish(context.Background(), Topic, next()))
		ups := tab.NextUpdates(t).Updates
		require.NotEmpty(t, ups)
		for _, u := range ups {
			assert.False(t, strings.HasPrefix(u.FragmentID, "q-"), "a tick updates cells, never rows: %s %s", u.Action, u.FragmentID)
		}
		msgs, err = rec.Data()
		require.NoError(t, err)
		require.Len(t, msgs, before+1, "a tick is one message")
		sizes = append(sizes, msgs[before].Payload)
	}
	warm := slices.Clone(sizes[1:])
	slices.Sort(warm)
	return tickBytes{cold: sizes[0], warm: warm[len(warm)/2], row: largestRow(t, tab.Page)}
}

// largestRow returns the bytes of the largest board row of page.
func largestRow(t testing.TB, page string) int {
	rows := regexp.MustCompile(`<tr id="q-[^"]*">.*?</tr>`).FindAllString(page, -1)
	require.NotEmpty(t, rows)
	n := 0
	for _, r := range rows {
		n = max(n, len(r))
	}
	return n
}

// twelveQuotes is a market of 12 quotes of which 3 move per tick, the
// shape of issue 16's ticker, published on the ticker's page.
func twelveQuotes() (Tick, func() Tick) {
	rnd := rand.New(rand.NewPCG(16, 12))
	m := NewMarket(7, t0)
	board := m.Latest()
	board.Quotes = board.Quotes[:12]
	walk := make([]instrument, 12)
	for i, q := range board.Quotes {
		p := 20 + rnd.Float64()*480
		walk[i] = instrument{price: p, open: p}
		board.Quotes[i] = quote(q.Symbol, walk[i], 0)
	}
	board.Seq = 100
	return board, func() Tick {
		board.Seq++
		board.At = board.At.Add(time.Second)
		board.Quotes = slices.Clone(board.Quotes)
		for _, i := range rnd.Perm(12)[:3] {
			in := &walk[i]
			old := in.price
			in.price *= 1 + (rnd.Float64()*2-1)/100
			dir := 1
			if in.price < old {
				dir = -1
			}
			board.Quotes[i] = quote(board.Quotes[i].Symbol, *in, dir)
		}
		return board
	}
}

// theMarket is the example's own market: 20 quotes, up to 4 moves a tick.
func theMarket() (Tick, func() Tick) {
	m := NewMarket(7, t0)
	at := t0
	return m.Latest(), func() Tick {
		at = at.Add(time.Second)
		return m.Next(at)
	}
}

// BenchmarkWireBytes reports what a tick costs a tab on the wire, in
// WebSocket frame payload bytes, compressed as Chromium negotiates it
// (permessage-deflate with context takeover) and uncompressed:
//
//	go test -run '^$' -bench WireBytes -benchtime 1x ./examples/ticker/ticker
func BenchmarkWireBytes(b *testing.B) {
	for b.Loop() {
		for _, market := range []struct {
			name string
			next func() (Tick, func() Tick)
		}{{"12quotes-3moves", twelveQuotes}, {"example-20quotes", theMarket}} {
			for _, m := range []struct {
				name string
				mode websocket.CompressionMode
			}{{"deflate", websocket.CompressionContextTakeover}, {"raw", websocket.CompressionDisabled}} {
				f := measureTicks(b, m.mode, market.next)
				b.ReportMetric(float64(f.cold), market.name+"-"+m.name+"-cold-B")
				b.ReportMetric(float64(f.warm), market.name+"-"+m.name+"-warm-B")
			}
		}
	}
}

func TestWireBytes_ATickIsSmallOnTheWire(t *testing.T) {
	f := measureTicks(t, websocket.CompressionContextTakeover, twelveQuotes)
	raw := measureTicks(t, websocket.CompressionDisabled, twelveQuotes)
	t.Logf("12 quotes, 3 moves: compressed %+v, raw %+v", f, raw)
	assert.Less(t, f.warm, raw.warm, "compression pays once the window holds a tick")
	assert.LessOrEqual(t, f.warm, 80, "issue 16's target: a cell whose class changed goes as a splice of its html")
	assert.Less(t, raw.warm, 3*raw.row, "three moved quotes are a few cell updates, not their rows")
}

// BenchmarkTicker_FrameCompressedAlone answers whether a tab past the
// compression windows (live.WithCompressionWindows: its connection keeps
// no window, and coder/websocket then compresses no message under 512
// bytes) would gain from having each tick's frame compressed on its own:
// the frames of 20 ticks, as such a tab gets them, each deflated alone at
// BestSpeed with a reset writer, as permessage-deflate without context
// takeover does. It reports the bytes saved per frame and the CPU it costs.
//
//	go test -run '^$' -bench FrameCompressedAlone ./examples/ticker/ticker
func BenchmarkTicker_FrameCompressedAlone(b *testing.B) {
	s := startServer(b, nil)
	tab := livetest.OpenWith(b, s.URL, websocket.DialOptions{CompressionMode: websocket.CompressionDisabled})
	tab.Send(b, `{"action":"unwatch","symbol":"none","_seq":1}`)
	require.Equal(b, int64(1), tab.Next(b).Ack, "subscribed")
	var frames [][]byte
	for range 20 {
		s.tick(b)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, msg, err := tab.WS.Read(ctx)
		cancel()
		require.NoError(b, err)
		frames = append(frames, msg)
	}
	var out bytes.Buffer
	w, err := flate.NewWriter(&out, flate.BestSpeed)
	require.NoError(b, err)
	raw, alone := 0, 0
	for b.Loop() {
		raw, alone = 0, 0
		for _, f := range frames {
			out.Reset()
			w.Reset(&out)
			_, _ = w.Write(f)
			require.NoError(b, w.Flush())
			raw += len(f)
			alone += out.Len() - 4 // permessage-deflate drops the 00 00 ff ff tail
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/frame")
	b.ReportMetric(float64(raw)/float64(len(frames)), "raw-B/frame")
	b.ReportMetric(float64(alone)/float64(len(frames)), "alone-B/frame")
}
