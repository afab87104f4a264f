package bolt

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/livefir/statetemplate/session"
)

// holdWhileOverdue makes Update wait while writes queued for the next
// flush have waited longer than the window — a commit in progress is
// slower than the window, or the disk stalls — until a flush takes them
// (and likewise for lazy writes and their window). So updates are never
// acknowledged more than a window (a lazy window) and the flush in
// progress ahead of the disk: a slow disk delays actions instead of
// widening what a crash loses. ctx bounds the wait.
func (s *Store) holdWhileOverdue(ctx context.Context) error {
	for {
		done := s.flushed.wait() // before reading the deadline: no flush is missed
		due, ok := s.pending.nextDeadline(s.opts.window, s.opts.lazyWindow)
		if !ok || time.Now().Before(due) {
			return nil
		}
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("%w: waiting for the session file to catch up: %w", session.ErrStoreUnavailable, ctx.Err())
		case <-s.quit:
			return s.closedErr()
		}
		if err := s.writesFailing(); err != nil {
			return err
		}
	}
}

// broadcast wakes every waiter at once: wait returns a channel that the
// next notify closes.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}
