package bolt

import (
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// writeFailure is the state of a store whose last commit failed.
type writeFailure struct {
	err   error
	since time.Time
}

// loggedSessions bounds the session ids a write-failure warning lists.
const loggedSessions = 32

// writesFailing returns an error wrapping session.ErrStoreUnavailable
// while the last commit failed, nil otherwise.
func (s *Store) writesFailing() error {
	f := s.failing.Load()
	if f == nil {
		return nil
	}
	return fmt.Errorf("%w: %s: writes have failed since %s (%v); updates and new sessions are refused until a write succeeds",
		session.ErrStoreUnavailable, s.path, f.since.UTC().Format(time.RFC3339), f.err)
}

// noteWrite records the outcome of a commit: the first failure is logged
// with the sessions whose acknowledged updates now wait for the file,
// and the first success after failures is logged too. Retries in between
// are quiet. Each transition is logged before HealthCheck reports it, so
// whoever sees the store fail (or recover) finds the reason in the log.
func (s *Store) noteWrite(err error) {
	if err == nil && s.failing.Load() == nil {
		return // the common case: no transition
	}
	s.failMu.Lock()
	defer s.failMu.Unlock()
	f := s.failing.Load()
	if err == nil {
		if f != nil {
			s.opts.logger.Info("statetemplate: session file writes succeed again; updates are accepted",
				"file", s.path, "failing_for", time.Since(f.since).Round(time.Millisecond))
			s.failing.Store(nil)
		}
		return
	}
	if f != nil {
		return
	}
	waiting := s.pending.ordered(allLazy)
	ids := make([]string, 0, len(waiting))
	for _, e := range waiting[:min(len(waiting), loggedSessions)] {
		ids = append(ids, e.id.Short())
	}
	s.opts.logger.Warn("statetemplate: session file writes are failing; updates and new sessions are refused until a write succeeds, and the updates already accepted wait in memory (a crash now loses them)",
		"file", s.path, "err", err, "waiting_updates", s.pending.n.Load(), "sessions", ids,
		"more_sessions", len(waiting) > loggedSessions)
	s.failing.Store(&writeFailure{err: err, since: time.Now()})
}

// probe commits a transaction that rewrites the session count, so that a
// store whose writes failed learns when they work again even with nothing
// pending. It dirties a page, as a real write does.
func (s *Store) probe() error {
	return s.update(func(tx *bbolt.Tx) error {
		n, err := readCount(tx)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaCount, u64(n))
	})
}
