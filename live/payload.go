package live

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

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
// its quotes. A handler that changes the shared value anyway makes the
// sessions after it see the change: once every session is done with a
// publish, the value is checked against the payload (one more decoding
// and two encodings per publish) and a change is logged at warning level.
// (A change made later, by an action to data that kept part of the
// value, is not seen.) Decoding dominates a push of a small page: with
// thousands of subscribed tabs, this is the cheapest push there is.
func SharedPayload() TopicOption { return func(c *topicConfig) { c.shared = true } }

// pushPayload is a publish's encoded payload, shared read only by every
// session it was put to; a SharedPayload handler decodes it once.
type pushPayload struct {
	raw  []byte
	once sync.Once
	v    any // the decoded *P of a SharedPayload handler
	err  error
	// users counts, for a SharedPayload handler, the sessions the payload
	// was put to that are not done with it; the last one checks that no
	// handler changed the shared value (see release), and says so to
	// logger, for topic.
	users  atomic.Int64
	logger *slog.Logger
	topic  string
	// undecodable is set once a session has said that the payload does
	// not decode into its handler's type.
	undecodable atomic.Bool
	// changed reports whether v no longer encodes as raw decoded afresh
	// does; set with v.
	changed func() bool
}

// share notes that the payload of topic is put to n sessions of a
// SharedPayload handler, before any of them may run it.
func (p *pushPayload) share(n int, logger *slog.Logger, topic string) {
	p.logger, p.topic = logger, topic
	p.users.Store(int64(n))
}

// release notes that a session is done with a shared payload (its handler
// ran, or the push was dropped or replaced). After the last one, a value
// that a handler changed — which every session after it saw, changed — is
// logged at warning level: a SharedPayload handler must copy what it
// changes. The check costs one decoding and two encodings per publish.
func (p *pushPayload) release() {
	if p.users.Add(-1) != 0 || p.changed == nil {
		return
	}
	if p.changed() {
		p.logger.Warn("live: a SharedPayload handler changed the payload every session shares; the sessions after it saw the change (copy what a handler changes, or drop SharedPayload)",
			"topic", p.topic)
	}
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
		p.changed = func() bool { return sharedChanged(p.raw, v) }
	})
	if p.err != nil {
		var zero P
		return zero, p.err
	}
	return *p.v.(*P), nil
}

// sharedChanged reports whether v, decoded from raw, encodes otherwise
// than a fresh decoding of raw: a handler changed it. (Encoding both, not
// comparing v with raw, keeps what the decoding itself normalizes out of
// the comparison.)
func sharedChanged[P any](raw []byte, v *P) bool {
	fresh := new(P)
	if err := session.DecodeData(raw, fresh); err != nil {
		return false
	}
	a, err1 := session.EncodeData(fresh)
	b, err2 := session.EncodeData(v)
	return err1 == nil && (err2 != nil || !bytes.Equal(a, b))
}
