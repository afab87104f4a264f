package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

func (m *Manager) sweepLoop() {
	defer close(m.done)
	t := time.NewTicker(m.cfg.CleanupInterval)
	defer t.Stop()
	purge := time.NewTicker(nurseryPurgeEvery)
	defer purge.Stop()
	var compact <-chan time.Time // nil, never ready, when compaction is off
	if d := m.cfg.IdleCompaction; d > 0 {
		c := time.NewTicker(max(d/2, time.Second))
		defer c.Stop()
		compact = c.C
	}
	for {
		select {
		case <-m.stop:
			return
		case <-purge.C:
			m.nursery.purge(m.now())
		case <-compact:
			ctx, cancel := context.WithTimeout(context.Background(), m.cfg.IdleCompaction)
			if n, err := m.CompactIdle(ctx); err != nil {
				m.cfg.Logger.Warn("statetemplate: compacting idle sessions", "compacted", n, "err", err)
			}
			cancel()
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), m.cfg.CleanupInterval)
			if n, err := m.Sweep(ctx); err != nil {
				m.cfg.Logger.Warn("statetemplate: sweeping expired sessions", "swept", n, "err", err)
			} else if n > 0 {
				m.cfg.Logger.Debug("statetemplate: swept expired sessions", "swept", n)
			}
			cancel()
		}
	}
}

// Sweep deletes every session expired by now, in batches of bounded size,
// and returns how many it deleted. Live handles on a swept session fail
// with ErrSessionExpired.
func (m *Manager) Sweep(ctx context.Context) (int, error) {
	swept := 0
	for {
		now := m.now()
		ids, err := m.cfg.Store.Expired(ctx, now, sweepBatch)
		if err != nil {
			return swept, fmt.Errorf("statetemplate: listing expired sessions: %w", err)
		}
		progress := 0
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return swept, err
			}
			if m.sweepOne(ctx, id, now) {
				progress++
			}
		}
		swept += progress
		// A full batch may hide more; a batch with nothing to delete means
		// the rest were used since they were listed.
		if len(ids) < sweepBatch || progress == 0 {
			m.resyncCount(ctx)
			return swept, nil
		}
	}
}

// resyncCount corrects the session count estimate from the store, when a
// limit makes it matter.
func (m *Manager) resyncCount(ctx context.Context) {
	if m.cfg.MaxSessions <= 0 {
		return
	}
	if n, err := m.cfg.Store.Count(ctx); err == nil {
		m.count.Store(int64(n))
	}
}

// sweepOne deletes id if it is still expired: an index may list a session
// that was used since.
func (m *Manager) sweepOne(ctx context.Context, id ID, now time.Time) bool {
	if e := m.pin(id); e != nil {
		defer m.release(e)
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.gone || !e.expired(now) {
			return false
		}
		m.end(ctx, e, fmt.Errorf("%w: session %s", ErrSessionExpired, id.Short()))
		return true
	}
	rec, err := m.cfg.Store.Get(ctx, id)
	switch {
	case err == nil && !rec.Expired(now):
		return false
	case err != nil && !errors.Is(err, ErrSessionNotFound):
		return false // the store failed: keep the session, the next sweep retries
	}
	// Expired, missing or corrupt (ErrSessionNotFound wraps both): delete.
	m.forget(ctx, id)
	return true
}
