package session

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// Rollback discards changes made in place to the session's data since its
// last successful RenderFragments (or since it was created): the data
// becomes a value decoded from the last committed encoding, which is what a
// restart would restore. Fields the encoding does not capture (unexported
// ones) come back as their zero value. Call it when an action that
// mutated the data fails, so that the next render does not pick up half an
// action.
func (h *Handle) Rollback(ctx context.Context) error {
	return h.locked(ctx, func(m *Manager, e *entry) error {
		enc, v, err := m.committed(ctx, e)
		if err != nil {
			return fmt.Errorf("statetemplate: rolling back session %s: %w", e.id.Short(), err)
		}
		next := e.rec.Clone()
		next.Rev++
		next.Data = enc
		next.Value = v
		// Stored, so that no store or cache keeps the mutated value.
		return m.commit(ctx, e, next)
	})
}

// Committed returns a new value decoded from the session's last committed
// state: a deep copy of its data as last rendered, sharing nothing with
// the session.
func (h *Handle) Committed(ctx context.Context) (any, error) {
	var v any
	err := h.locked(ctx, func(m *Manager, e *entry) error {
		var err error
		_, v, err = m.committed(ctx, e)
		return err
	})
	return v, err
}

// committed returns the encoding of e's last committed data, read back
// from the store when the record in memory does not hold it, and a value
// decoded from it. e.mu must be held.
func (m *Manager) committed(ctx context.Context, e *entry) ([]byte, any, error) {
	if err := m.full(ctx, e, m.now()); err != nil {
		return nil, nil, err
	}
	enc := e.rec.Data
	if enc == nil && !e.prov {
		stored, err := m.cfg.Store.Get(ctx, e.id)
		if err == nil {
			stored, err = stored.unpacked()
		}
		if err != nil {
			return nil, nil, err
		}
		enc = stored.Data
	}
	v, err := m.restore(e.rec, enc)
	return enc, v, err
}

// restore decodes enc as data of rec's type: the registered type of that
// name, else the type of rec's current value.
func (m *Manager) restore(rec *Record, enc []byte) (any, error) {
	if rec.DataType == nilType {
		return nil, nil
	}
	if v, err := m.cfg.Types.Decode(rec.DataType, enc); err == nil {
		return v, nil
	}
	if rec.Value == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnregisteredType, rec.DataType)
	}
	return DecodeAs(reflect.TypeOf(rec.Value), enc)
}

// SetLease ends the session d from now, unless SetLease is called again
// or a handle holds the session open then; d <= 0 removes the lease.
// Package live keeps a connected session's lease ahead and shortens it
// when the page goes away, so that a session nothing can reach any more
// ends soon.
func (h *Handle) SetLease(ctx context.Context, d time.Duration) error {
	return h.locked(ctx, func(m *Manager, e *entry) error {
		var until time.Time
		if d > 0 {
			until = m.now().Add(d)
		}
		if e.rec.Lease.Equal(until) {
			return nil
		}
		next := e.rec.Clone()
		next.Rev++
		next.Lease = until
		return m.commit(ctx, e, next)
	})
}

// locked runs fn under the session's lock, once the handle and the session
// are known to be usable.
func (h *Handle) locked(ctx context.Context, fn func(*Manager, *entry) error) error {
	if err := h.usable(); err != nil {
		return err
	}
	m, e := h.m, h.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := m.check(ctx, e, h.gen); err != nil {
		return err
	}
	return fn(m, e)
}
