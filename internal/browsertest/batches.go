package browsertest

import (
	"bytes"
	"time"

	"github.com/livefir/statetemplate/live"
)

// Batches decodes the batches of updates among frames, the frames a tab
// received in order (Received, or a tail of it that starts with a
// connection's ready message or continues the one decoded before):
// each connection's batches go through a decoder of their own, which
// starts at its ready message. A frame that is not a batch (a reply, a
// ready message) or does not decode is left out.
func Batches(frames [][]byte) []live.Batch { return batches(frames, nil) }

// Batches is the package's Batches of the frames the tab received, each
// connection's decoder given the page the tab had loaded when its ready
// message came (which the server builds html from: get records).
func (tb *Tab) Batches() []live.Batch {
	frames := tb.Received()
	tb.mu.Lock()
	docs := append([]*document(nil), tb.docs...)
	tb.mu.Unlock()
	pages := make([]string, len(docs))
	for i, d := range docs {
		select {
		case h := <-d.html:
			d.html <- h
			pages[i] = h
		case <-time.After(Timeout):
		}
	}
	return batches(frames, func(i int) string {
		page := ""
		for j, d := range docs {
			if d.at <= i {
				page = pages[j]
			}
		}
		return page
	})
}

// batches decodes frames, the decoder of the connection whose ready
// message is frame i given the page pageAt(i).
func batches(frames [][]byte, pageAt func(i int) string) []live.Batch {
	var out []live.Batch
	d := &live.Decoder{}
	for i, f := range frames {
		if bytes.HasPrefix(f, []byte(`{"v":`)) {
			d = &live.Decoder{}
			if pageAt != nil {
				d.Page(pageAt(i))
			}
			continue
		}
		if b, err := d.Decode(f); err == nil {
			out = append(out, b)
		}
	}
	return out
}
