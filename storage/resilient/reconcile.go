package resilient

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

// replacer is implemented by primaries that can compare-and-set against an
// explicit revision (storage/redis).
type replacer interface {
	Replace(ctx context.Context, rec *session.Record, storedRev uint64) error
}

// probeLoop waits for the circuit to open, then probes the primary until
// it answers and the outage's writes are written back.
func (s *Store) probeLoop() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case <-s.tripped:
		}
		t := time.NewTicker(s.cfg.ProbeInterval)
		for s.Degraded() {
			select {
			case <-s.stop:
				t.Stop()
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.OpTimeout)
			err := s.primary.HealthCheck(ctx)
			cancel()
			if err != nil {
				continue
			}
			if err := s.recover(context.Background()); err != nil {
				s.cfg.Logger.Warn("statetemplate: session store back but write-back failed; still degraded", "err", err)
			}
		}
		t.Stop()
	}
}

// Write-back tuning: passes run writeBackWorkers calls at once; recover
// runs passes without the lock while they shrink the backlog, and takes
// the lock for a last pass once at most lockedBacklog sessions remain (or
// after maxOpenPasses passes, should writes outpace the write-back).
const (
	writeBackWorkers = 8
	lockedBacklog    = 64
	maxOpenPasses    = 8
)

// recover writes back the outage's writes and closes the circuit. Most
// are written while recovering, with new sessions already going to the
// primary; the last ones, and the switch, under mu, with no fallback
// write in flight. A primary failure meanwhile reopens the circuit.
func (s *Store) recover(ctx context.Context) error {
	s.mu.Lock()
	fb := s.fallback.Load()
	if fb == nil || s.state.Load() == stateClosed {
		s.mu.Unlock()
		return nil
	}
	s.state.Store(stateRecovering)
	s.mu.Unlock()
	fail := func(err error) error {
		s.trip(err)
		return err
	}
	for range maxOpenPasses {
		if err := s.reconcile(ctx, fb); err != nil {
			return fail(err)
		}
		if s.backlog() <= lockedBacklog {
			break
		}
	}
	s.mu.Lock()
	if s.state.Load() != stateRecovering { // failed again meanwhile
		s.mu.Unlock()
		return nil
	}
	if err := s.reconcile(ctx, fb); err != nil {
		s.mu.Unlock()
		return fail(err)
	}
	s.fallback.Store(nil)
	s.state.Store(stateClosed)
	s.count(func(st *Status) { st.Since = time.Time{} })
	s.mu.Unlock()
	_ = fb.Close()
	s.cfg.Logger.Info("statetemplate: session store recovered")
	return nil
}

func (s *Store) backlog() int {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	return len(s.pending)
}

// reconcile writes back every pending session, writeBackWorkers at a
// time, stopping at the first primary failure.
func (s *Store) reconcile(parent context.Context, fb *memory.Store) error {
	s.pendingMu.Lock()
	ids := make([]session.ID, 0, len(s.pending))
	for id := range s.pending {
		ids = append(ids, id)
	}
	s.pendingMu.Unlock()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	work := make(chan session.ID)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range min(writeBackWorkers, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				if err := s.reconcileOne(ctx, fb, id); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case work <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return parent.Err()
}

// outcome of one write-back.
type outcome int

const (
	written outcome = iota
	inSync
	discarded
	lost
)

// reconcileOne writes back one pending session. It returns an error only
// when the primary failed; the entry then stays pending.
func (s *Store) reconcileOne(ctx context.Context, fb *memory.Store, id session.ID) error {
	s.pendingMu.Lock()
	pp, ok := s.pending[id]
	if !ok {
		s.pendingMu.Unlock()
		return nil
	}
	p := *pp
	s.pendingMu.Unlock()

	var rec *session.Record
	if !p.deleted {
		r, err := fb.Get(ctx, id)
		if err == nil {
			rec = r
		}
	}
	res, err := s.writeBack(ctx, id, p, rec)
	if err != nil {
		return err
	}
	switch res {
	case written, inSync:
		s.count(func(st *Status) { st.Reconciled++ })
	case discarded:
		s.count(func(st *Status) { st.Discarded++ })
		s.cfg.Logger.Warn("statetemplate: session changed elsewhere during the store outage; this server's changes were discarded", "session", id.Short())
	case lost:
		s.count(func(st *Status) { st.Lost++ })
		s.cfg.Logger.Warn("statetemplate: session evicted from the fallback during the store outage; its changes are lost", "session", id.Short())
	}
	s.pendingMu.Lock()
	if cur, ok := s.pending[id]; ok {
		if cur.gen == p.gen {
			delete(s.pending, id)
		} else if rec != nil && res == written {
			// Changed again meanwhile: the next pass builds on what we wrote.
			cur.base, cur.created = rec.Rev, false
		}
	}
	s.pendingMu.Unlock()
	return nil
}

// writeBack applies the reconciliation rules (see the package doc).
func (s *Store) writeBack(ctx context.Context, id session.ID, p pending, rec *session.Record) (outcome, error) {
	opCtx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	if p.deleted {
		if err := s.primary.Delete(opCtx, id); err != nil {
			return 0, err
		}
		return written, nil
	}
	if rec == nil {
		return lost, nil
	}
	if p.created {
		// Created during the outage: the primary should not have it.
		err := s.primary.Create(opCtx, rec)
		if !errors.Is(err, session.ErrSessionIDExists) {
			return written, err
		}
	}
	cur, err := s.primary.Get(opCtx, id)
	switch {
	case errors.Is(err, session.ErrSessionNotFound):
		return discarded, nil // gone from the primary (or corrupt there): never resurrect
	case err != nil:
		return 0, err
	}
	if same(cur, rec) {
		return inSync, nil
	}
	base := p.base
	if p.created {
		base = 1 // our own Create landed before it failed: build on it
	}
	if cur.Rev != base {
		return discarded, nil
	}
	err = s.replace(opCtx, rec, base)
	if errors.Is(err, session.ErrConflict) || errors.Is(err, session.ErrSessionNotFound) {
		return discarded, nil // lost a race with another server just now
	}
	if err != nil {
		return 0, err
	}
	return written, nil
}

// replace writes rec over stored revision base.
func (s *Store) replace(ctx context.Context, rec *session.Record, base uint64) error {
	if r, ok := s.primary.(replacer); ok {
		return r.Replace(ctx, rec, base)
	}
	if rec.Rev != base+1 {
		rec = rec.Clone()
		rec.Rev = base + 1
	}
	return s.primary.Update(ctx, rec)
}

// same reports whether two records are byte-identical when encoded.
func same(a, b *session.Record) bool {
	ab, err1 := session.EncodeRecord(a)
	bb, err2 := session.EncodeRecord(b)
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb)
}
