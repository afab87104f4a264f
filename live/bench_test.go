package live_test

import (
	"context"
	"testing"

	"github.com/coder/websocket"
)

// BenchmarkApp_ActionRoundTrip measures one action from the browser's
// message to its updates back, over a real WebSocket on loopback: parse,
// handler, RenderFragments, JSON, write and read.
func BenchmarkApp_ActionRoundTrip(b *testing.B) {
	ts := newTestServer(b)
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
		if _, _, err := ws.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
