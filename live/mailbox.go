package live

import "sync"

// mailbox holds the pushes waiting for one session, in the order they
// were put, at most one per topic: a push of a topic already waiting
// replaces that one and goes to the back, so that what a session applies
// is always a subsequence of what was published, in publish order, ending
// with the latest push of each topic. Its lock is held only briefly, never
// while rendering: publishers never wait for a session.
type mailbox[T any] struct {
	mu         sync.Mutex
	items      []*pushItem[T]
	state      boxState
	dead       bool // the session has no connection left
	overflowed bool // the backlog overflowed once: its pages are closing
}

type boxState uint8

const (
	boxIdle   boxState = iota // nothing waiting, no worker on it
	boxQueued                 // in the run queue, or a worker is running it
	boxParked                 // waiting for a connection to drain (see runNext)
	boxBusy                   // waiting for the session's lock, which an action holds
)

// putResult says what put did and what the caller must do.
type putResult uint8

const (
	putWaiting       putResult = iota // queued; a worker will get to it
	putSchedule                       // queued; the session must be scheduled
	putDead                           // refused: the session has no connection
	putOverflow                       // refused: the backlog is full; close the session's pages
	putOverflowAgain                  // refused: the backlog is full, its pages are closing already
)

// put queues it, replacing the waiting push of its topic, which it
// returns. max bounds the backlog.
func (b *mailbox[T]) put(it *pushItem[T], max int) (putResult, *pushItem[T]) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead {
		return putDead, nil
	}
	var replaced *pushItem[T]
	if it.key != "" {
		for i, old := range b.items {
			if old.key == it.key {
				replaced = old
				b.items = append(b.items[:i], b.items[i+1:]...)
				break
			}
		}
	}
	if len(b.items) >= max {
		if b.overflowed {
			return putOverflowAgain, replaced
		}
		b.overflowed = true
		return putOverflow, replaced
	}
	b.items = append(b.items, it)
	switch {
	case b.state == boxIdle, b.state == boxBusy, b.state == boxParked && it.key == "":
		// A push that never coalesces does not wait for a slow
		// connection (see take); a busy session is tried again, in case
		// its lock's holder does not free it (a lease renewal).
		b.state = boxQueued
		return putSchedule, replaced
	}
	return putWaiting, replaced
}

// take removes and returns the next push. When behind is set and every
// waiting push is a topic's, it parks the mailbox instead: those wait,
// and coalesce, until unpark.
func (b *mailbox[T]) take(behind bool) (it *pushItem[T], parked bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead || len(b.items) == 0 {
		b.state = boxIdle
		return nil, false
	}
	if behind && b.allTopics() {
		b.state = boxParked
		return nil, true
	}
	// Shifted down rather than resliced: the slice keeps its array for
	// the next put (a backlog is a few items).
	it = b.items[0]
	n := copy(b.items, b.items[1:])
	b.items[n] = nil
	b.items = b.items[:n]
	return it, false
}

func (b *mailbox[T]) allTopics() bool {
	for _, it := range b.items {
		if it.key == "" {
			return false
		}
	}
	return true
}

// ran ends a worker's turn; it reports whether more is waiting, in which
// case the session must be scheduled again.
func (b *mailbox[T]) ran() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead || len(b.items) == 0 {
		b.state = boxIdle
		return false
	}
	return true
}

// wait marks a mailbox a worker has found the session's lock taken for as
// waiting for it; it reports false when the mailbox is not the worker's
// any more (killed).
func (b *mailbox[T]) wait() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state != boxQueued {
		return false
	}
	b.state = boxBusy
	return true
}

// unpark reports whether a mailbox that waits for a connection or for the
// session's lock must be scheduled again.
func (b *mailbox[T]) unpark() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state != boxParked && b.state != boxBusy {
		return false
	}
	b.state = boxQueued
	return true
}

// kill marks the mailbox dead and returns the pushes it held.
func (b *mailbox[T]) kill() []*pushItem[T] {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dead = true
	b.state = boxIdle
	items := b.items
	b.items = nil
	return items
}

// behind reports whether c's send queue is half full or more: a push
// rendered now would wait behind that many messages.
func (c *conn) behind() bool {
	select {
	case <-c.done:
		return false
	default:
	}
	return len(c.out) >= max(cap(c.out)/2, 1)
}

// behindConn returns a connection of ls that is behind, or nil. ls.mu
// must be held.
func (ls *liveSession[T]) behindConn() *conn {
	for c := range ls.conns {
		if c.behind() {
			return c
		}
	}
	return nil
}
