package live

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/livefir/statetemplate"
)

// liveSession is a session with at least one open connection. Actions and
// pushes on it run one at a time under mu, which also orders the updates
// every connection of the session receives.
type liveSession[T any] struct {
	id    string
	token string
	sess  *statetemplate.Session

	mu    sync.Mutex
	conns map[*conn]struct{}
	dead  bool        // the handle is closed; guarded by mu
	keep  *time.Timer // renews the session's idle time while it is connected; guarded by mu

	refs int // guarded by hub.mu

	box    mailbox[T]          // pushes waiting for the session (push.go)
	topics map[string]struct{} // its subscriptions; guarded by the App's topicIndex
}

// broadcast queues msg, a reply, to every connection of the session
// (batches of updates go through send). mu must be held.
func (ls *liveSession[T]) broadcast(msg []byte) {
	if msg == nil {
		return // nothing to send (a push's empty reply): no walk of the connections
	}
	for c := range ls.conns {
		c.enqueue(msg)
	}
}

// send encodes updates for each of the session's connections and queues
// them: with the acknowledgment ack at the end for origin (when not nil),
// and marked as a push's when mark is not nil. Connections of version 2
// share one encoding. ls.mu must be held, so that each connection's
// batches are encoded in the order they are queued.
func (ls *liveSession[T]) send(updates []statetemplate.Update, origin *conn, ack int64, mark *pushMark) error {
	var shared []byte
	for c := range ls.conns {
		var msg []byte
		var err error
		switch {
		case c.wire != nil || c == origin && ack != 0:
			msg, err = c.encode(updates, ackFor(c, origin, ack))
		case shared == nil:
			shared, err = c.encode(updates, 0)
			msg = shared
		default:
			msg = shared
		}
		if err != nil {
			return err
		}
		c.enqueueMsg(outMsg{b: msg, push: mark})
	}
	return nil
}

// ackFor is the acknowledgment c's copy of a batch ends with.
func ackFor(c, origin *conn, ack int64) int64 {
	if c == origin {
		return ack
	}
	return 0
}

// hub maps session IDs to their live sessions. A session's data object is
// shared by every handle on it, so at most one liveSession per ID may run
// actions: attach waits until a detached one has finished closing.
type hub[T any] struct {
	cfg     *config
	freed   func(*liveSession[T]) // after the lease renewal released a session's lock (App.free)
	mu      sync.Mutex
	byID    map[string]*liveSession[T]
	closing map[string]chan struct{}
}

func (h *hub[T]) init(cfg *config, freed func(*liveSession[T])) {
	h.cfg, h.freed = cfg, freed
	h.byID = make(map[string]*liveSession[T])
	h.closing = make(map[string]chan struct{})
}

// attach returns the live session token names, opening it when no
// connection has it open yet, and registers c on it. Connections of
// another page of the session (another tab reference: the page before a
// reload) are closed with CloseReplaced: one tab, one session.
func (h *hub[T]) attach(r *statetemplate.Renderer, token string, c *conn) (*liveSession[T], error) {
	s, err := r.GetSession(token)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	for ch := h.closing[s.ID()]; ch != nil; ch = h.closing[s.ID()] {
		h.mu.Unlock()
		<-ch
		h.mu.Lock()
	}
	ls := h.byID[s.ID()]
	spare := s
	if ls == nil {
		ls = &liveSession[T]{id: s.ID(), token: token, sess: s, conns: make(map[*conn]struct{})}
		h.byID[ls.id] = ls
		spare = nil
	}
	ls.refs++
	h.mu.Unlock()
	if spare != nil {
		spare.Close()
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for old := range ls.conns {
		if old.ref != c.ref {
			old.close(CloseReplaced, "the tab's newer page took the session over")
		}
	}
	ls.conns[c] = struct{}{}
	if ls.keep == nil && h.cfg.lostTimeout > 0 {
		// While connected the handle holds the session; its lease is kept
		// a lost-page timeout ahead only so that a crash leaves a bound.
		h.lease(ls, h.cfg.lostTimeout)
		every := h.cfg.lostTimeout / 3
		var renew func()
		renew = func() {
			defer h.freed(ls)
			ls.mu.Lock()
			defer ls.mu.Unlock()
			if !ls.dead {
				h.lease(ls, h.cfg.lostTimeout)
				ls.keep.Reset(every)
			}
		}
		ls.keep = time.AfterFunc(every, renew)
	}
	return ls, nil
}

// lease ends ls's session d from now unless renewed. ls.mu must be held.
func (h *hub[T]) lease(ls *liveSession[T], d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ls.sess.SetLease(ctx, d); err != nil && !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed) {
		h.cfg.logger.Warn("live: renewing a session's lease", "session", ls.id[:8], "err", err)
	}
}

// detach unregisters c, closing the session handle after its last
// connection, and reports whether it was the last. The session then
// outlives its page by the orphan timeout: the short one when the browser
// said it left the page.
func (h *hub[T]) detach(ls *liveSession[T], c *conn) bool {
	ls.mu.Lock()
	delete(ls.conns, c)
	ls.mu.Unlock()
	h.mu.Lock()
	ls.refs--
	last := ls.refs == 0
	var closed chan struct{}
	if last {
		delete(h.byID, ls.id)
		closed = make(chan struct{})
		h.closing[ls.id] = closed
	}
	h.mu.Unlock()
	if !last {
		return false
	}
	ls.mu.Lock() // lets an action or push in flight finish first
	ls.dead = true
	if ls.keep != nil {
		ls.keep.Stop()
	}
	d := h.cfg.lostTimeout
	if c.pageClosed.Load() && h.cfg.closedTimeout > 0 {
		d = h.cfg.closedTimeout
	}
	if d > 0 {
		h.lease(ls, d)
	}
	ls.sess.Close()
	ls.mu.Unlock()
	h.mu.Lock()
	delete(h.closing, ls.id)
	h.mu.Unlock()
	close(closed)
	return true
}

// lookup returns the live session with the ID id, or nil.
func (h *hub[T]) lookup(id string) *liveSession[T] {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.byID[id]
}

// connected reports whether a page has the session token names open.
func (h *hub[T]) connected(r *statetemplate.Renderer, token string) bool {
	s, err := r.GetSession(token)
	if err != nil {
		return false
	}
	defer s.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.byID[s.ID()] != nil
}

// wait returns once no session is closing.
func (h *hub[T]) wait() {
	for {
		h.mu.Lock()
		var ch chan struct{}
		for _, c := range h.closing {
			ch = c
			break
		}
		h.mu.Unlock()
		if ch == nil {
			return
		}
		<-ch
	}
}

// sessions returns a snapshot of the live sessions.
func (h *hub[T]) sessions() []*liveSession[T] {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*liveSession[T], 0, len(h.byID))
	for _, ls := range h.byID {
		out = append(out, ls)
	}
	return out
}

// sessionGone reports whether err means the session cannot come back, as
// opposed to a closing renderer or a failing store, which a reconnect may
// outlive.
func sessionGone(err error) bool {
	return errors.Is(err, statetemplate.ErrSessionNotFound) ||
		errors.Is(err, statetemplate.ErrSessionExpired) ||
		errors.Is(err, statetemplate.ErrInvalidToken) ||
		errors.Is(err, ErrBadReference)
}

// browserConns counts the open connections of each browser cookie.
type browserConns struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func (b *browserConns) init(max int) {
	b.max, b.n = max, make(map[string]int)
}

// acquire counts a connection of the browser with secret, unless it holds
// the maximum already.
func (b *browserConns) acquire(secret []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := string(secret)
	if b.max > 0 && b.n[k] >= b.max {
		return false
	}
	b.n[k]++
	return true
}

func (b *browserConns) release(secret []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := string(secret)
	if b.n[k]--; b.n[k] <= 0 {
		delete(b.n, k)
	}
}
