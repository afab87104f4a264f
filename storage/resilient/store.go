package resilient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

// Store is a session.Store over a primary store with an in-process
// fallback. It is safe for concurrent use.
type Store struct {
	primary session.Store
	cfg     Config

	// mu is held for writing only to change state; fallback operations
	// hold it for reading, so that none is in flight while the last
	// pending writes are drained and the circuit closes.
	mu       sync.RWMutex
	state    atomic.Int32                 // stateClosed, stateOpen or stateRecovering; written under mu
	fallback atomic.Pointer[memory.Store] // non-nil unless closed; written under mu

	pendingMu sync.Mutex
	pending   map[session.ID]*pending

	tripped chan struct{} // wakes the prober; buffered 1
	stop    chan struct{}
	done    chan struct{}
	closed  atomic.Bool

	statusMu sync.Mutex
	status   Status

	keyMu sync.Mutex
	key   []byte // signing key, when the primary keeps none
}

// pending is a session written in the fallback, awaiting write-back.
type pending struct {
	// base is the primary revision this server's changes build on.
	base uint64
	// created: the session was created during the outage; the primary is
	// expected not to have it (or to hold our own revision 1).
	created bool
	deleted bool
	// gen counts changes, so that reconciliation only retires an entry
	// nothing touched while it was being written back.
	gen uint64
}

// Circuit states. Recovering: the primary answers again and the outage's
// writes are being written back; sessions with writes still pending stay
// on the fallback, everything else (new sessions included) uses the
// primary, so that the backlog only shrinks.
const (
	stateClosed int32 = iota
	stateOpen
	stateRecovering
)

// Status describes the store's state, for health reports.
type Status struct {
	// Degraded is true from the primary's failure until the outage's
	// writes are written back.
	Degraded bool
	// Since is when the current outage began (zero when not degraded).
	Since time.Time
	// LastError is the primary failure that opened the circuit last.
	LastError string
	// Pending counts sessions awaiting write-back.
	Pending int
	// Outages counts circuit openings; Reconciled, Discarded and Lost
	// count sessions written back, dropped because the primary had a newer
	// state, and evicted from the fallback before write-back.
	Outages, Reconciled, Discarded, Lost uint64
}

// New returns a store serving from primary, and starts the goroutine that
// probes it during outages. Close stops it and closes primary.
func New(primary session.Store, cfg Config) *Store {
	cfg.fill()
	s := &Store{
		primary: primary,
		cfg:     cfg,
		pending: make(map[session.ID]*pending),
		tripped: make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go s.probeLoop()
	return s
}

// Primary returns the wrapped primary store.
func (s *Store) Primary() session.Store { return s.primary }

// Degraded reports whether the fallback is serving.
func (s *Store) Degraded() bool { return s.state.Load() != stateClosed }

// Status returns a snapshot of the store's state.
func (s *Store) Status() Status {
	s.pendingMu.Lock()
	n := len(s.pending)
	s.pendingMu.Unlock()
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	st := s.status
	st.Degraded = s.Degraded()
	st.Pending = n
	return st
}

func (s *Store) count(f func(*Status)) {
	s.statusMu.Lock()
	f(&s.status)
	s.statusMu.Unlock()
}

// Durable reports whether the primary is durable.
func (s *Store) Durable() bool { return session.IsDurable(s.primary) }

func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("%w: resilient store closed", session.ErrStoreUnavailable)
	}
	return ctx.Err()
}

// outage reports whether err, from a primary call under ctx, means the
// primary is unavailable — as opposed to a definite answer, or the
// caller's own ctx ending.
func outage(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	return errors.Is(err, session.ErrStoreUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

// trip opens the circuit after err: a fresh fallback after normal
// service, the same one when the primary fails again while recovering.
func (s *Store) trip(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return
	}
	switch s.state.Load() {
	case stateClosed:
		s.fallback.Store(memory.New(s.cfg.FallbackSessions))
		s.state.Store(stateOpen)
		s.count(func(st *Status) { st.Outages++; st.Since = time.Now(); st.LastError = err.Error() })
		s.cfg.Logger.Warn("statetemplate: session store unavailable, serving from memory", "err", err)
		select {
		case s.tripped <- struct{}{}:
		default:
		}
	case stateRecovering:
		s.state.Store(stateOpen)
		s.count(func(st *Status) { st.LastError = err.Error() })
		s.cfg.Logger.Warn("statetemplate: session store failed again while writing back", "err", err)
	}
}

// Routes of an operation while recovering.
const (
	routePrimary = iota // new sessions and store-wide calls
	routeByID           // the fallback if the session has writes pending
)

// onFallback reports whether a call for id (route routeByID) or a
// store-wide call (routePrimary) goes to the fallback now.
func (s *Store) onFallback(route int, id session.ID) bool {
	switch s.state.Load() {
	case stateClosed:
		return false
	case stateOpen:
		return true
	}
	return route == routeByID && s.isPending(id)
}

func (s *Store) isPending(id session.ID) bool {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	_, ok := s.pending[id]
	return ok
}

// do runs onPrimary or onFallback (under mu's read lock), as the state
// and route say, moving to the fallback when the primary fails.
func (s *Store) do(ctx context.Context, timeout time.Duration, route int, id session.ID, onPrimary func(context.Context) error, onFallback func(*memory.Store) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	for range 2 {
		if !s.onFallback(route, id) {
			opCtx, cancel := context.WithTimeout(ctx, timeout)
			err := onPrimary(opCtx)
			cancel()
			if !outage(ctx, err) {
				return err
			}
			s.trip(err)
		}
		s.mu.RLock()
		if fb := s.fallback.Load(); fb != nil && s.onFallback(route, id) {
			err := onFallback(fb)
			s.mu.RUnlock()
			return err
		}
		s.mu.RUnlock() // the state changed meanwhile: decide again
	}
	return fmt.Errorf("%w: primary store flapping", session.ErrStoreUnavailable)
}

// mark records a fallback write of id; f edits a new or existing entry.
func (s *Store) mark(id session.ID, f func(p *pending, isNew bool)) {
	s.pendingMu.Lock()
	p, ok := s.pending[id]
	if !ok {
		p = &pending{}
		s.pending[id] = p
	}
	f(p, !ok)
	p.gen++
	s.pendingMu.Unlock()
}

// Create stores rec in the primary, or in the fallback during an outage.
func (s *Store) Create(ctx context.Context, rec *session.Record) error {
	return s.do(ctx, s.cfg.OpTimeout, routePrimary, rec.ID,
		func(ctx context.Context) error { return s.primary.Create(ctx, rec) },
		func(fb *memory.Store) error {
			if err := fb.Create(ctx, rec); err != nil {
				return err
			}
			s.mark(rec.ID, func(p *pending, isNew bool) {
				if isNew {
					p.created = true
				}
				p.deleted = false
			})
			return nil
		})
}

// Get reads the primary, or the fallback during an outage; a session the
// fallback does not hold is unavailable then, not missing.
func (s *Store) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	var rec *session.Record
	err := s.do(ctx, s.cfg.OpTimeout, routeByID, id,
		func(ctx context.Context) (err error) { rec, err = s.primary.Get(ctx, id); return err },
		func(fb *memory.Store) (err error) {
			rec, err = fb.Get(ctx, id)
			if errors.Is(err, session.ErrSessionNotFound) && !s.deletedInOutage(id) {
				return fmt.Errorf("%w: session %s is not held by this server during the store outage", session.ErrStoreUnavailable, id.Short())
			}
			return err
		})
	return rec, err
}

// Revision returns the stored revision of id (session.Revisioner): the
// primary's, when it keeps revisions other servers share; during an
// outage, the fallback's for a session it holds, else an error wrapping
// session.ErrStoreUnavailable.
func (s *Store) Revision(ctx context.Context, id session.ID) (uint64, error) {
	rv, ok := s.primary.(session.Revisioner)
	if !ok {
		return 0, fmt.Errorf("%w: the primary store keeps no shared revisions", session.ErrStoreUnavailable)
	}
	var rev uint64
	err := s.do(ctx, s.cfg.OpTimeout, routeByID, id,
		func(ctx context.Context) (err error) { rev, err = rv.Revision(ctx, id); return err },
		func(fb *memory.Store) error {
			rec, err := fb.Get(ctx, id)
			switch {
			case err == nil:
				rev = rec.Rev
			case errors.Is(err, session.ErrSessionNotFound) && !s.deletedInOutage(id):
				err = fmt.Errorf("%w: session %s is not held by this server during the store outage", session.ErrStoreUnavailable, id.Short())
			}
			return err
		})
	return rev, err
}

// ExpiresRecords reports whether the primary deletes records at their
// deadline by itself (session.SelfExpiring). During an outage the
// fallback lists its expired sessions, and the sweeper deletes them.
func (s *Store) ExpiresRecords() bool { return session.ExpiresRecords(s.primary) }

func (s *Store) deletedInOutage(id session.ID) bool {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	p, ok := s.pending[id]
	return ok && p.deleted
}

// Update is compare-and-set on the primary. During an outage it is
// compare-and-set on the fallback, which adopts a session it does not
// hold yet (one this server had in use before the outage).
func (s *Store) Update(ctx context.Context, rec *session.Record) error {
	return s.do(ctx, s.cfg.OpTimeout, routeByID, rec.ID,
		func(ctx context.Context) error { return s.primary.Update(ctx, rec) },
		func(fb *memory.Store) error {
			err := fb.Update(ctx, rec)
			if errors.Is(err, session.ErrSessionNotFound) && !s.deletedInOutage(rec.ID) {
				err = fb.Create(ctx, rec) // adopt a session this server had in use
			}
			if err != nil {
				return err
			}
			s.mark(rec.ID, func(p *pending, isNew bool) {
				if isNew {
					p.base = rec.Rev - 1
				}
			})
			return nil
		})
}

// Delete removes id from the primary; during an outage from the fallback,
// and from the primary once it returns.
func (s *Store) Delete(ctx context.Context, id session.ID) error {
	return s.do(ctx, s.cfg.OpTimeout, routeByID, id,
		func(ctx context.Context) error { return s.primary.Delete(ctx, id) },
		func(fb *memory.Store) error {
			if err := fb.Delete(ctx, id); err != nil {
				return err
			}
			s.mark(id, func(p *pending, _ bool) { p.deleted = true })
			return nil
		})
}

// Expired lists the primary's expired sessions, or the fallback's during
// an outage.
func (s *Store) Expired(ctx context.Context, before time.Time, limit int) ([]session.ID, error) {
	var ids []session.ID
	err := s.do(ctx, s.cfg.OpTimeout, routePrimary, session.ID{},
		func(ctx context.Context) (err error) { ids, err = s.primary.Expired(ctx, before, limit); return err },
		func(fb *memory.Store) (err error) { ids, err = fb.Expired(ctx, before, limit); return err })
	return ids, err
}

// Count counts the primary's sessions, or during an outage the sessions
// the fallback holds.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.do(ctx, 10*s.cfg.OpTimeout, routePrimary, session.ID{},
		func(ctx context.Context) (err error) { n, err = s.primary.Count(ctx); return err },
		func(fb *memory.Store) (err error) { n, err = fb.Count(ctx); return err })
	return n, err
}

// HealthCheck returns nil while the store can serve: from the primary, or
// degraded from the fallback (see Degraded). A healthy primary is checked
// directly, so a failed check opens the circuit.
func (s *Store) HealthCheck(ctx context.Context) error {
	return s.do(ctx, s.cfg.OpTimeout, routePrimary, session.ID{}, s.primary.HealthCheck,
		func(fb *memory.Store) error { return fb.HealthCheck(ctx) })
}

// LoadOrCreateKey delegates to the primary: a signing key shared by every
// server cannot come from a per-process fallback. For a primary that
// keeps no key, the key is kept in process memory, as such a store's
// renderer would use a per-process key anyway.
func (s *Store) LoadOrCreateKey(ctx context.Context, newKey func() []byte) ([]byte, error) {
	kk, ok := s.primary.(session.KeyKeeper)
	if !ok {
		s.keyMu.Lock()
		defer s.keyMu.Unlock()
		if s.key == nil {
			s.key = newKey()
		}
		return s.key, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*s.cfg.OpTimeout)
	defer cancel()
	return kk.LoadOrCreateKey(ctx, newKey)
}

// Close stops the prober, tries a last write-back when degraded, and
// closes the primary. Writes still pending are then lost, and logged.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.stop)
	<-s.done
	if s.Degraded() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*s.cfg.OpTimeout)
		if err := s.recover(ctx); err != nil {
			s.cfg.Logger.Warn("statetemplate: closing with session writes not written back", "pending", s.Status().Pending, "err", err)
		}
		cancel()
	}
	s.mu.Lock()
	if fb := s.fallback.Swap(nil); fb != nil {
		_ = fb.Close()
	}
	s.mu.Unlock()
	if err := s.primary.Close(); err != nil {
		return fmt.Errorf("resilient store: closing primary: %w", err)
	}
	return nil
}

var (
	_ session.Store        = (*Store)(nil)
	_ session.Durable      = (*Store)(nil)
	_ session.KeyKeeper    = (*Store)(nil)
	_ session.Revisioner   = (*Store)(nil)
	_ session.SelfExpiring = (*Store)(nil)
)
