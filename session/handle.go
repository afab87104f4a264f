package session

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/datapath"
)

// Flusher is implemented by stores that write updates behind a window
// (the bolt store). Flush makes the session's pending update durable.
type Flusher interface {
	Flush(ctx context.Context, id ID) error
}

// Handle is a live reference to one session, returned by Open. Handles of
// the same session share its state; work on a session is serialized.
type Handle struct {
	m  *Manager
	e  *entry
	mu sync.Mutex // guards closed
	// closed is set by Close; the handle then refuses all work.
	closed bool
}

// Open resolves tok to a handle on its session.
func (m *Manager) Open(ctx context.Context, tok string) (*Handle, error) {
	e, err := m.acquire(ctx, tok)
	if err != nil {
		return nil, err
	}
	return &Handle{m: m, e: e}, nil
}

// ID returns the session's ID.
func (h *Handle) ID() ID { return h.e.id }

func (h *Handle) usable() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return fmt.Errorf("%w: handle of session %s", ErrSessionClosed, h.e.id.Short())
	}
	return h.m.closed()
}

// Data returns the session's current data: the value of the last
// RenderFragments, or the one it was created with.
func (h *Handle) Data() any {
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	return h.e.rec.Value
}

// Close releases the handle and makes the session's last update durable.
// The session itself continues: another Open with its token resumes it.
func (h *Handle) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	defer h.m.release(h.e)
	if f, ok := h.m.cfg.Store.(Flusher); ok && !h.m.isClosed.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.Flush(ctx, h.e.id); err != nil {
			return fmt.Errorf("statetemplate: flushing session %s: %w", h.e.id.Short(), err)
		}
	}
	return nil
}

// RenderFragments makes data the session's data and returns the updates
// that turn the page the browser has into the page for data. Equal data,
// or an equal page, gives one no-op update.
func (h *Handle) RenderFragments(ctx context.Context, data any) ([]fragments.Update, error) {
	if err := h.usable(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, e := h.m, h.e
	enc, err := EncodeData(data)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := m.check(ctx, e, e.rec.TokenGen); err != nil {
		return nil, err
	}
	now := m.now()
	prev := e.rec
	if prev.Fragments != nil && bytes.Equal(enc, prev.Data) {
		if now.Sub(prev.LastAccess) >= time.Second && prev.IdleTimeout > 0 {
			next := prev.Clone()
			next.Rev++
			next.LastAccess = now
			next.Value = data
			if err := m.commit(ctx, e, next); err != nil {
				return nil, err
			}
		}
		return []fragments.Update{{IsNoOp: true, Timestamp: now}}, nil
	}
	name := TypeName(data)
	if name != prev.DataType && IsDurable(m.cfg.Store) && !m.cfg.Types.Registered(data) {
		return nil, fmt.Errorf("%w: %s", ErrUnregisteredType, name)
	}

	page, err := m.render(data)
	if err != nil {
		return nil, err
	}
	updates, state, err := fragments.Diff(prev.Fragments, page)
	if err != nil {
		return nil, fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err)
	}
	changed := m.changedPaths(prev, data)

	next := prev.Clone()
	next.Rev++
	next.LastAccess = now
	next.DataType = name
	next.Data = enc
	next.Value = data
	next.Fragments = state
	if err := m.commit(ctx, e, next); err != nil {
		return nil, err
	}
	if len(updates) == 0 {
		return []fragments.Update{{IsNoOp: true, Timestamp: now, DataChanged: changed}}, nil
	}
	for i := range updates {
		updates[i].Timestamp = now
	}
	updates[0].DataChanged = changed
	return updates, nil
}

// changedPaths compares the data snapshot of prev, decoded afresh so that
// in-place mutation of the live value cannot hide a change, with data.
func (m *Manager) changedPaths(prev *Record, data any) []string {
	if prev.DataType != TypeName(data) {
		return []string{""}
	}
	old, err := DecodeAs(typeOf(data), prev.Data)
	if err != nil {
		return nil
	}
	return datapath.Changed(old, data)
}

// render executes the template for data.
func (m *Manager) render(data any) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	if err := m.cfg.Render(&buf, data); err != nil {
		return nil, fmt.Errorf("statetemplate: rendering: %w", err)
	}
	return buf.Bytes(), nil
}
