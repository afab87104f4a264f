package live_test

import (
	"context"
	"testing"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate/live"
)

// BenchmarkApp_ActionRoundTrip measures one action from the browser's
// message to its updates back, over a real WebSocket on loopback: parse,
// handler, RenderFragments, the wire form, write and read.
func BenchmarkApp_ActionRoundTrip(b *testing.B) {
	ts := newTestServer(b, live.WithRateLimit(1e9, 1<<30))
	br := newBrowser(b)
	ref, _ := br.load(ts.URL)
	ws := br.mustDial(ts.URL, ref)
	defer ws.CloseNow()
	ctx := context.Background()
	msg := []byte(`{"action":"inc"}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := ws.Write(ctx, websocket.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		_, reply, err := ws.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if reply[0] == '{' {
			b.Fatalf("not an update batch: %s", reply)
		}
	}
}
