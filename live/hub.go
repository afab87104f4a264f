package live

import (
	"errors"
	"sync"

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
	dead  bool // the handle is closed; guarded by mu

	refs int // guarded by hub.mu
}

// broadcast queues msg to every connection of the session. mu must be held.
func (ls *liveSession[T]) broadcast(msg []byte) {
	for c := range ls.conns {
		c.enqueue(msg)
	}
}

// hub maps session IDs to their live sessions. A session's data object is
// shared by every handle on it, so at most one liveSession per ID may run
// actions: attach waits until a detached one has finished closing.
type hub[T any] struct {
	mu      sync.Mutex
	byID    map[string]*liveSession[T]
	closing map[string]chan struct{}
}

// attach returns the live session token names, opening it when no
// connection has it open yet, and registers c on it.
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
	ls.conns[c] = struct{}{}
	ls.mu.Unlock()
	return ls, nil
}

// detach unregisters c, closing the session handle after its last
// connection.
func (h *hub[T]) detach(ls *liveSession[T], c *conn) {
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
		return
	}
	ls.mu.Lock() // lets an action or push in flight finish first
	ls.dead = true
	ls.sess.Close()
	ls.mu.Unlock()
	h.mu.Lock()
	delete(h.closing, ls.id)
	h.mu.Unlock()
	close(closed)
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
