package live

import (
	"errors"
	"fmt"

	"github.com/livefir/statetemplate/session"
)

// ErrBadEnvelope is what a broker message that is not a publish of this
// format decodes to: damaged, truncated, of a newer version, or foreign.
var ErrBadEnvelope = errors.New("live: not a publish message")

// envelopeVersion is the format of envelope; a server drops messages of a
// version it does not know.
const envelopeVersion = 1

// envelope is a publish as it travels between servers, in CBOR (the
// session records' codec, with its decoding limits).
type envelope struct {
	Version int    `cbor:"v"`
	Origin  string `cbor:"o"`           // the publishing App's instance
	Topic   string `cbor:"t"`           // the topic published
	Session string `cbor:"s,omitempty"` // PushTo's session; "" for every subscriber
	At      int64  `cbor:"at"`          // when it was published, Unix ns
	Payload []byte `cbor:"p"`           // the payload's CBOR
}

func encodeEnvelope(e envelope) ([]byte, error) {
	e.Version = envelopeVersion
	return session.EncodeData(&e)
}

// maxEnvelopeBytes bounds a message from the broker: the payload's bound
// and room for the rest.
const maxEnvelopeBytes = MaxPayloadBytes + 4<<10

// decodeEnvelope decodes and checks a message from the broker. Errors wrap
// ErrBadEnvelope; it never panics.
func decodeEnvelope(b []byte) (envelope, error) {
	if len(b) > maxEnvelopeBytes {
		return envelope{}, fmt.Errorf("%w: %d bytes", ErrBadEnvelope, len(b))
	}
	var e envelope
	if err := session.DecodeData(b, &e); err != nil {
		return envelope{}, fmt.Errorf("%w: %v", ErrBadEnvelope, err)
	}
	switch {
	case e.Version != envelopeVersion:
		return envelope{}, fmt.Errorf("%w: version %d (this build reads %d)", ErrBadEnvelope, e.Version, envelopeVersion)
	case e.Origin == "":
		return envelope{}, fmt.Errorf("%w: no origin", ErrBadEnvelope)
	case len(e.Payload) == 0:
		return envelope{}, fmt.Errorf("%w: no payload", ErrBadEnvelope)
	}
	if err := validTopic(e.Topic); err != nil {
		return envelope{}, fmt.Errorf("%w: %v", ErrBadEnvelope, err)
	}
	if e.Session != "" {
		if _, err := session.ParseID(e.Session); err != nil {
			return envelope{}, fmt.Errorf("%w: session %q", ErrBadEnvelope, e.Session)
		}
	}
	return e, nil
}
