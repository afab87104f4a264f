package live

import (
	"fmt"
	"sync"

	"github.com/livefir/statetemplate/session"
)

// TopicOption configures a handler registered with HandleTopic.
type TopicOption func(*topicConfig)

type topicConfig struct {
	shared bool
}

// SharedPayload has one publish's payload decoded once, on this server,
// and the same value passed to the handler of every session it reaches,
// instead of a copy decoded for each. It is for handlers that only read
// the payload: a handler may keep it, or parts of it, in its session's
// data, but never change what it shares with other sessions — the
// elements of a slice or map, or what a pointer points to. Copy what the
// session changes later (slices.Clone), as the ticker example does with
// its quotes. Decoding dominates a push of a small page: with thousands
// of subscribed tabs, this is the cheapest push there is.
func SharedPayload() TopicOption { return func(c *topicConfig) { c.shared = true } }

// pushPayload is a publish's encoded payload, shared read only by every
// session it was put to; a SharedPayload handler decodes it once.
type pushPayload struct {
	raw  []byte
	once sync.Once
	v    any // the decoded *P of a SharedPayload handler
	err  error
}

// decodePayload returns p decoded as a P: a copy of its own, or with
// shared, the one value every session shares.
func decodePayload[P any](p *pushPayload, shared bool) (P, error) {
	if !shared {
		var v P
		if err := session.DecodeData(p.raw, &v); err != nil {
			return v, fmt.Errorf("%w: %w", errPayload, err)
		}
		return v, nil
	}
	p.once.Do(func() {
		v := new(P)
		if err := session.DecodeData(p.raw, v); err != nil {
			p.err = fmt.Errorf("%w: %w", errPayload, err)
			return
		}
		p.v = v
	})
	if p.err != nil {
		var zero P
		return zero, p.err
	}
	return *p.v.(*P), nil
}
