package browsertest

import (
	"bytes"

	"github.com/livefir/statetemplate/live"
)

// Batches decodes the batches of updates among frames, the frames a tab
// received in order (Received, or a tail of it that starts with a
// connection's ready message or continues the one decoded before):
// each connection's batches go through a decoder of their own, which
// starts at its ready message. A frame that is not a batch (a reply, a
// ready message) or does not decode is left out.
func Batches(frames [][]byte) []live.Batch {
	var out []live.Batch
	d := &live.Decoder{}
	for _, f := range frames {
		if bytes.HasPrefix(f, []byte(`{"v":`)) {
			d = &live.Decoder{}
			continue
		}
		if b, err := d.Decode(f); err == nil {
			out = append(out, b)
		}
	}
	return out
}
