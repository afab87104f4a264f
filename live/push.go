package live

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/session"
)

// Errors of Publish, PushTo and UpdateAll.
var (
	// ErrInvalidTopic: empty, over 256 bytes, not UTF-8, or holding "*".
	ErrInvalidTopic = errors.New("live: invalid topic")
	// ErrNoTopicHandler: no HandleTopic handler takes the topic, and no
	// Broker could carry it to one elsewhere.
	ErrNoTopicHandler = errors.New("live: no handler for the topic")
	// ErrPayloadType: the payload is not of the type the topic's handler
	// takes.
	ErrPayloadType = errors.New("live: payload of the wrong type for the topic's handler")
	// ErrPayloadTooLarge: the payload encodes to more than MaxPayloadBytes.
	ErrPayloadTooLarge = errors.New("live: payload too large")
	// ErrAppClosed: the App is closed or closing.
	ErrAppClosed = errors.New("live: the App is closed")
	// ErrPushBacklog: the session's push backlog overflowed
	// (WithPushBacklog); its page reconnects and reloads.
	ErrPushBacklog = errors.New("live: the session's push backlog is full")
)

// errPayload marks a payload that does not decode into its handler's type:
// from another server running other code, or a foreign message.
var errPayload = errors.New("live: payload does not decode")

// MaxPayloadBytes bounds a payload's encoding.
const MaxPayloadBytes = 1 << 20

// Publish runs the HandleTopic handler of topic with payload on every
// session subscribed to topic (see Subscribe), here and, with WithBroker,
// on every server sharing the broker, and pushes each session's updates to
// its page. It returns as soon as the payload is encoded and queued: the
// handlers run on the App's push workers, each session's pushes one at a
// time, in order, and in turn with its actions. payload is encoded before
// Publish returns, so the caller may change it afterwards, and every
// session decodes its own copy (one shared copy with SharedPayload).
//
// Payloads are states, not events: a session that falls behind (its page
// does not keep up, or the workers are busy) skips to the latest payload
// of each topic instead of queueing them. Publish what a page should show
// (the latest prices, the last messages of a room), not a change to it.
//
// It fails at once with ErrInvalidTopic, ErrPayloadType (the payload is
// not the type the topic's handler on this App takes), ErrNoTopicHandler
// (no handler here and no broker), ErrPayloadTooLarge, ErrAppClosed, or
// an error from encoding the payload; a failure to reach other servers is
// logged, not returned (see Broker).
func (a *App[T]) Publish(ctx context.Context, topic string, payload any) error {
	return a.publish(ctx, topic, "", payload)
}

// PushTo runs topic's handler with payload on the one session sessionID
// (see SessionID), whether or not it subscribed to topic, on whichever
// server sharing the broker its page is connected to. It returns at once,
// as Publish does, and fails as Publish does, or with
// statetemplate.ErrInvalidSessionID for an ID that cannot be a session's.
// A session with no connected page anywhere gets nothing.
func (a *App[T]) PushTo(ctx context.Context, sessionID, topic string, payload any) error {
	if _, err := session.ParseID(sessionID); err != nil {
		return fmt.Errorf("%w: %q", statetemplate.ErrInvalidSessionID, sessionID)
	}
	return a.publish(ctx, topic, sessionID, payload)
}

func (a *App[T]) publish(ctx context.Context, topic, sessionID string, payload any) error {
	if a.push.closed.Load() {
		return ErrAppClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validTopic(topic); err != nil {
		return err
	}
	h := a.push.handlers.match(topic)
	switch {
	case h != nil && !payloadFits(h.payload, payload):
		return fmt.Errorf("%w: %q takes %v, not %T", ErrPayloadType, topic, h.payload, payload)
	case h == nil && a.push.link == nil:
		return fmt.Errorf("%w: %q", ErrNoTopicHandler, topic)
	}
	raw, err := session.EncodeData(payload)
	if err != nil {
		return fmt.Errorf("live: the payload of %q: %w", topic, err)
	}
	if len(raw) > MaxPayloadBytes {
		return fmt.Errorf("%w: %d bytes (at most %d)", ErrPayloadTooLarge, len(raw), MaxPayloadBytes)
	}
	now := time.Now()
	a.push.stats.published.Add(1)
	if h != nil {
		a.deliver(&pushItem[T]{key: topic, mark: pushMark{topic: topic, published: now},
			ctx: session.WithLazyWrite(context.WithoutCancel(ctx)), handler: h, payload: &pushPayload{raw: raw}}, sessionID)
	}
	if a.push.link != nil {
		a.push.link.send(envelope{Topic: topic, Session: sessionID, At: now.UnixNano(), Payload: raw})
	}
	return nil
}

// payloadFits reports whether payload may be published to a handler taking
// want: of exactly that type, or implementing it when it is an interface.
func payloadFits(want reflect.Type, payload any) bool {
	got := reflect.TypeOf(payload)
	if want.Kind() == reflect.Interface {
		return got == nil || got.Implements(want)
	}
	return got == want
}

// receive delivers a publish from another server.
func (a *App[T]) receive(env envelope) {
	h := a.push.handlers.match(env.Topic)
	if h == nil {
		return // a topic of another App sharing the broker
	}
	a.push.stats.received.Add(1)
	a.deliver(&pushItem[T]{key: env.Topic, mark: pushMark{topic: env.Topic, published: time.Unix(0, env.At)},
		ctx: session.WithLazyWrite(context.Background()), handler: h, payload: &pushPayload{raw: env.Payload}}, env.Session)
}

// deliver puts it to sessionID, or to the topic's subscribers when
// sessionID is "", and schedules them at once: one lock of the run queue
// per publish, not one per session.
func (a *App[T]) deliver(it *pushItem[T], sessionID string) {
	var sessions []*liveSession[T]
	if sessionID != "" {
		if ls := a.hub.lookup(sessionID); ls != nil {
			sessions = append(sessions, ls)
		}
	} else {
		sessions = a.push.topics.subscribers(it.key, nil)
	}
	if it.handler != nil && it.handler.shared {
		it.payload.share(len(sessions), a.cfg.logger, it.key)
	}
	a.putAll(sessions, it)
}

// putAll puts it to every session and schedules those that need it.
func (a *App[T]) putAll(sessions []*liveSession[T], it *pushItem[T]) {
	due := sessions[:0]
	for _, ls := range sessions {
		if a.put(ls, it) {
			due = append(due, ls)
		}
	}
	a.schedule(due...)
}

// UpdateAll applies fn to the data of every session with an open
// connection and pushes the resulting updates. It is the way to change
// every page at once without topics; Publish is the way to reach some of
// them, or other servers. fn runs on the push workers, in parallel across
// sessions and in order with each session's other pushes and actions;
// UpdateAll waits for every session to have run it (for the render, not
// for slow browsers) or for ctx to end. fn's ctx carries the session
// (SessionID) and takes Subscribe, Flash, PushEvent, Navigate and
// Redirect, which go to every connection of the session. An error from fn
// rolls that session's data back and leaves its page as it was. fn's
// changes are stored lazily, as a push's are (see the package doc): a
// change the app could not make again belongs in an action. UpdateAll
// returns ctx's error, ErrAppClosed, or the first error other than a
// session having gone away meanwhile.
func (a *App[T]) UpdateAll(ctx context.Context, fn func(ctx context.Context, data T) error) error {
	if a.push.closed.Load() {
		return ErrAppClosed
	}
	sessions := a.hub.sessions()
	if len(sessions) == 0 {
		return ctx.Err()
	}
	w := &waiter{left: len(sessions), all: make(chan struct{})}
	a.putAll(sessions, &pushItem[T]{mark: pushMark{published: time.Now()}, ctx: session.WithLazyWrite(ctx), fn: fn, done: w.done})
	select {
	case <-w.all:
		return w.first
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waiter collects the outcomes of an UpdateAll.
type waiter struct {
	mu    sync.Mutex
	left  int
	first error
	all   chan struct{}
}

func (w *waiter) done(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil && w.first == nil && !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed) {
		var he handlerError
		if errors.As(err, &he) {
			err = he.err
		}
		w.first = err
	}
	if w.left--; w.left == 0 {
		close(w.all)
	}
}

// pushMark is what the frames of a push carry for the PushObserver.
type pushMark struct {
	topic     string
	published time.Time
}

// markOf returns the mark of the push ctx runs for, nil for an action.
func markOf(ctx context.Context) *pushMark {
	if s := scopeOf(ctx); s != nil {
		return s.mark
	}
	return nil
}

// pushItem is one push waiting for sessions. One item is shared, read
// only, by every session it was put to.
type pushItem[T any] struct {
	key  string // the topic: a later push of it replaces this one while it waits; "" never
	mark pushMark
	// ctx is the push's context, marked with session.WithLazyWrite: a
	// push's change is the app's to make again (payloads are states, and
	// a page that reconnects gets what it missed from OnConnect), so the
	// store may write it lazily.
	ctx     context.Context
	handler *topicHandler[T] // a topic's handler, with its payload
	payload *pushPayload
	fn      func(context.Context, T) error // UpdateAll's callback
	done    func(error)                    // UpdateAll's, once per session
}

// finish ends the push for one session it was put to.
func (it *pushItem[T]) finish(err error) {
	if it.done != nil {
		it.done(err)
	}
	if it.handler != nil && it.handler.shared {
		it.payload.release()
	}
}

// pusher is an App's push machinery: topic handlers, subscriptions,
// the workers, and the link to the other servers.
type pusher[T any] struct {
	handlers topicHandlers[T]
	topics   topicIndex[T]
	pool     pool[T]
	link     *brokerLink // nil without WithBroker
	connect  atomic.Pointer[ConnectFunc[T]]
	closed   atomic.Bool
	stats    pushCounters
	bg       sync.WaitGroup // closing the pages of overflowed sessions
	stopOnce sync.Once
}

// put queues it for ls; it reports whether ls must be scheduled.
func (a *App[T]) put(ls *liveSession[T], it *pushItem[T]) bool {
	res, replaced := ls.box.put(it, a.cfg.pushBacklog)
	if replaced != nil {
		a.push.stats.coalesced.Add(1)
		replaced.finish(nil)
	}
	switch res {
	case putSchedule:
		return true
	case putDead:
		it.finish(fmt.Errorf("%w: no connection left", statetemplate.ErrSessionClosed))
	case putOverflow, putOverflowAgain:
		a.push.stats.dropped.Add(1)
		it.finish(ErrPushBacklog)
		if res == putOverflow {
			a.cfg.logger.Warn("live: a session's push backlog is full (WithPushBacklog): a push was dropped and its page reconnects",
				"session", ls.id[:8], "topic", it.key)
			// Not on the publisher's goroutine: ls.mu may be held by a render.
			a.push.bg.Go(func() {
				ls.mu.Lock()
				defer ls.mu.Unlock()
				for c := range ls.conns {
					c.close(CloseSlowClient, "push backlog full")
				}
			})
		}
	}
	return false
}

// schedule has workers run the next push of each session; once the App is
// closed, their pushes fail instead.
func (a *App[T]) schedule(sessions ...*liveSession[T]) {
	if len(sessions) == 0 || a.push.pool.schedule(sessions, a.cfg.pushWorkers, a.runNext) {
		return
	}
	for _, ls := range sessions {
		for _, it := range ls.box.kill() {
			it.finish(ErrAppClosed)
		}
	}
}

// runNext runs ls's next push, with the session's lock: a worker never
// waits for a session an action (or a lease renewal) holds, it leaves it
// to the holder to reschedule it (free). It does not run it either while
// every push waiting for the session is a topic's and one of its
// connections is behind: those wait, replacing each other, until the
// connection has drained its queue.
func (a *App[T]) runNext(ls *liveSession[T]) {
	if !ls.mu.TryLock() {
		if ls.box.wait() && ls.mu.TryLock() {
			ls.mu.Unlock()
			a.free(ls) // released before it could see the mailbox wait
		}
		return
	}
	behind := ls.behindConn()
	it, parked := ls.box.take(behind != nil)
	if it != nil {
		a.run(ls, it)
	}
	ls.mu.Unlock()
	switch {
	case parked:
		a.waitDrain(ls, behind)
	case it != nil && ls.box.ran():
		a.schedule(ls) // more waiting: to the back of the queue, after other sessions
	}
}

// free reschedules ls's pushes if they wait for its lock or for a
// connection: callers have just released ls.mu, or changed its
// connections.
func (a *App[T]) free(ls *liveSession[T]) {
	if ls.box.unpark() {
		a.schedule(ls)
	}
}

// waitDrain resumes ls's pushes once c has sent what it holds.
func (a *App[T]) waitDrain(ls *liveSession[T], c *conn) {
	f := func() { a.free(ls) }
	c.drained.Store(&f)
	if !c.behind() && c.drained.CompareAndSwap(&f, nil) {
		a.free(ls) // it drained before it could call f
	}
}

// run applies one push to ls's data, renders, and sends the updates and
// what the callback asked for to every connection of the session; the
// session's store writes the change lazily (session.WithLazyWrite). ls.mu
// must be held.
func (a *App[T]) run(ls *liveSession[T], it *pushItem[T]) {
	if err := it.ctx.Err(); err != nil {
		it.finish(err)
		return
	}
	ctx := newPushRun(it.ctx, a, ls, it)
	rp := &ctx.rp
	fn := func(d T) error { return it.handler.apply(ctx, d, it.payload) }
	if it.fn != nil {
		fn = func(d T) error { return it.fn(ctx, d) }
	}
	err := a.mutateLocked(ctx, nil, ls, fn)
	if err == nil {
		a.push.stats.delivered.Add(1)
		ls.broadcast(rp.encode())
	} else if it.fn == nil {
		a.topicFailed(ls, it, err) // UpdateAll's caller gets its errors
	}
	it.finish(err)
}

// pushRun is the context a push runs in on one session, with the reply
// and the scope it carries (see replyOf and scopeOf): one allocation per
// session and push instead of one for each and for each context.
type pushRun[T any] struct {
	context.Context
	rp   reply
	sc   scope
	subs sessionSubs[T]
	ro   session.ReadOnlyUpdates // the run for the push's render (App.render)
}

func newPushRun[T any](ctx context.Context, a *App[T], ls *liveSession[T], it *pushItem[T]) *pushRun[T] {
	r := &pushRun[T]{Context: ctx, rp: reply{session: ls.id, logger: a.cfg.logger}, subs: sessionSubs[T]{a, ls}}
	r.sc = scope{subs: &r.subs, topic: it.key, mark: &it.mark}
	r.ro.Context = r
	return r
}

// Value answers the reply's and the scope's keys, and the push's context
// the others.
func (r *pushRun[T]) Value(key any) any {
	switch key.(type) {
	case replyKey:
		return &r.rp
	case scopeKey:
		return &r.sc
	}
	return r.Context.Value(key)
}

// topicFailed logs what a topic's push could not do, then counts it, so
// that whoever sees the count (PushStats) finds the reason in the log.
func (a *App[T]) topicFailed(ls *liveSession[T], it *pushItem[T], err error) {
	defer a.push.stats.failed.Add(1)
	switch {
	case sessionGone(err), errors.Is(err, statetemplate.ErrSessionClosed), errors.Is(err, statetemplate.ErrConflict):
		// The page is gone, or got the winner's state.
	case errors.Is(err, errPayload):
		// Every session the publish reached fails alike: one warning.
		if it.payload.undecodable.CompareAndSwap(false, true) {
			a.cfg.logger.Warn("live: a published payload does not decode into the topic handler's type; dropped by every session it reached",
				"topic", it.key, "session", ls.id[:8], "err", err)
		}
	default:
		a.cfg.logger.Warn("live: a topic handler failed", "topic", it.key, "session", ls.id[:8], "err", err)
	}
}

// leave detaches c from ls; after the session's last connection, its
// subscriptions end and the pushes waiting for it are dropped.
func (a *App[T]) leave(ls *liveSession[T], c *conn) {
	if !a.hub.detach(ls, c) {
		a.free(ls) // if its pushes waited for c, the other connections go on
		return
	}
	a.push.topics.remove(ls, nil, true)
	for _, it := range ls.box.kill() {
		it.finish(fmt.Errorf("%w: no connection left", statetemplate.ErrSessionClosed))
	}
}

// closePush refuses new pushes; stopPush, once every connection has
// ended, stops the broker link and the workers.
func (a *App[T]) closePush() { a.push.closed.Store(true) }

func (a *App[T]) stopPush() {
	a.push.stopOnce.Do(func() {
		if a.push.link != nil {
			a.push.link.close()
		}
		a.push.pool.close()
		a.push.bg.Wait()
	})
}

// PushStats counts an App's pushes since New.
type PushStats struct {
	// Published counts Publish and PushTo calls that succeeded here.
	Published int64
	// Received counts publishes from other servers with a handler here.
	Received int64
	// Delivered counts pushes applied to a session and rendered.
	Delivered int64
	// Coalesced counts pushes replaced, while they waited for a session
	// that was behind, by a later one of the same topic.
	Coalesced int64
	// Dropped counts pushes refused because a session's backlog was full.
	Dropped int64
	// Failed counts topic pushes whose handler or render failed.
	Failed int64
	// BrokerDropped counts publishes that did not reach the broker: it
	// failed, or was too slow and the outgoing queue overflowed.
	BrokerDropped int64
}

type pushCounters struct {
	published, received, delivered, coalesced, dropped, failed atomic.Int64
}

// PushStats returns the App's push counters.
func (a *App[T]) PushStats() PushStats {
	s := &a.push.stats
	ps := PushStats{
		Published: s.published.Load(), Received: s.received.Load(), Delivered: s.delivered.Load(),
		Coalesced: s.coalesced.Load(), Dropped: s.dropped.Load(), Failed: s.failed.Load(),
	}
	if a.push.link != nil {
		ps.BrokerDropped = a.push.link.dropped.Load()
	}
	return ps
}
