package bolt

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults.
const (
	// DefaultUpdateWindow bounds how long an update may wait before it is
	// written: a kill -9 loses at most this much of the sessions' updates.
	DefaultUpdateWindow = 100 * time.Millisecond
	// DefaultLazyWindow bounds how long a lazy update
	// (session.WithLazyWrite: package live's pushes) may wait before it
	// is written.
	DefaultLazyWindow = time.Second
	// DefaultOpenTimeout is how long Open waits for another process to
	// release the file before failing with ErrFileInUse.
	DefaultOpenTimeout = 2 * time.Second
	// maxWritesPerTx bounds one write transaction, so that the write lock
	// is held for a few milliseconds at most and readers never stall.
	maxWritesPerTx = 1024
	// txWorkBudget bounds the work one flush transaction does before it
	// commits (the commit's own write and fsync come on top), so that a
	// sweep of many sessions holds the write lock briefly each time.
	txWorkBudget = 4 * time.Millisecond
)

// Option configures Open.
type Option func(*options) error

type options struct {
	window      time.Duration
	lazyWindow  time.Duration
	syncUpdates bool
	openTimeout time.Duration
	now         func() time.Time
	logger      *slog.Logger
}

func defaultOptions() options {
	return options{window: DefaultUpdateWindow, lazyWindow: DefaultLazyWindow, openTimeout: DefaultOpenTimeout, now: time.Now,
		logger: slog.New(slog.DiscardHandler)}
}

// WithUpdateWindow sets how long Update may hold a change in memory before
// writing it (default 100 ms). Updates of one session within the window
// are written once.
func WithUpdateWindow(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("bolt: WithUpdateWindow(%v): must be positive (use WithSyncUpdates for none)", d)
		}
		o.window = d
		return nil
	}
}

// WithLazyWindow sets how long Update may hold a lazy change in memory
// before writing it (default 1 s): an update whose ctx
// session.WithLazyWrite marked, as package live marks its pushes. A kill
// -9 loses at most this much of such updates (and never more than the
// update window of any other). A session's lazy updates within the window
// are written once, and with its next update that is not lazy if that
// comes first. A window no longer than the update window writes lazy
// updates as soon as others; WithSyncUpdates writes them at once.
func WithLazyWindow(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("bolt: WithLazyWindow(%v): must be positive", d)
		}
		o.lazyWindow = d
		return nil
	}
}

// WithSyncUpdates makes every Update durable (fsynced) before it returns,
// at the cost of one commit per update (concurrent updates share one).
func WithSyncUpdates() Option {
	return func(o *options) error {
		o.syncUpdates = true
		return nil
	}
}

// WithOpenTimeout sets how long Open waits for a lock held by another
// process (default 2 s).
func WithOpenTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("bolt: WithOpenTimeout(%v): must be positive", d)
		}
		o.openTimeout = d
		return nil
	}
}

// WithClock replaces time.Now, which Delete uses to tell an expired
// session (its deletion may wait for the window) from a live one (its
// deletion is fsynced before Delete returns).
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("bolt: WithClock(nil)")
		}
		o.now = now
		return nil
	}
}

// WithLogger sets the logger of the store's warnings: failing writes (with
// the sessions whose updates wait to be written) and their recovery, and
// a stopped upgrade of a layout-1 file. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("bolt: WithLogger(nil)")
		}
		o.logger = l
		return nil
	}
}
