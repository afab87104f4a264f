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
		enc := e.rec.Data
		if enc == nil && !e.prov {
			stored, err := m.cfg.Store.Get(ctx, e.id)
			if err != nil {
				return fmt.Errorf("statetemplate: rolling back session %s: %w", e.id.Short(), err)
			}
			enc = stored.Data
		}
		v, err := m.restore(e.rec, enc)
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

// SetIdleTimeout gives the session a new idle timeout, counted from now; 0
// removes it. Package live shortens it when a session's last page
// disconnects, so that a session nothing can reach any more ends soon.
func (h *Handle) SetIdleTimeout(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("statetemplate: negative idle timeout %v", d)
	}
	return h.locked(ctx, func(m *Manager, e *entry) error {
		now := m.now()
		if e.rec.IdleTimeout == d && now.Sub(e.rec.LastAccess) < time.Second {
			return nil
		}
		next := e.rec.Clone()
		next.Rev++
		next.IdleTimeout, next.LastAccess = d, now
		return m.commit(ctx, e, next)
	})
}

// Touch records an access now, which restarts the idle timeout. It writes
// at most once a second, and never for a session without idle timeout.
func (h *Handle) Touch(ctx context.Context) error {
	return h.locked(ctx, func(m *Manager, e *entry) error { return m.touch(ctx, e, m.now()) })
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
