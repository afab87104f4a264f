package session

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
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
// the same session share its state; work on a session is serialized. A
// handle is bound to the token generation it was opened with: after
// Refresh it fails with ErrInvalidToken, like the token.
type Handle struct {
	m   *Manager
	e   *entry
	gen uint32
	mu  sync.Mutex // guards closed
	// closed is set by Close; the handle then refuses all work.
	closed bool
}

// Open resolves tok to a handle on its session. ctx bounds the store read.
// A provisional session is stored now: its page has connected.
func (m *Manager) Open(ctx context.Context, tok string) (*Handle, error) {
	e, gen, err := m.acquire(ctx, tok)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	err = m.promote(ctx, e)
	if err == nil {
		e.handles++
	}
	e.mu.Unlock()
	if err != nil {
		m.release(e)
		return nil, err
	}
	return &Handle{m: m, e: e, gen: gen}, nil
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

// Data returns the session's current data: the value last passed to
// RenderFragments, or the one the session was created with (for a session
// restored from a durable store, a value decoded from its record). It is
// the session's own value, not a copy, shared by every handle of the
// session: mutating it in place and passing it to RenderFragments is the
// intended use, but goroutines that mutate it concurrently must
// synchronize among themselves. Until RenderFragments accepts the mutated
// value, the session's persisted state is unchanged.
func (h *Handle) Data() any {
	h.e.mu.Lock()
	defer h.e.mu.Unlock()
	return h.e.rec.Value
}

// Close releases the handle and makes the session's last update durable.
// The session itself continues: another Open with its token resumes it.
// Closing twice is harmless.
func (h *Handle) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	defer h.m.release(h.e)
	h.m.closeHandle(h.e)
	if f, ok := h.m.cfg.Store.(Flusher); ok && !h.m.isClosed.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.Flush(ctx, h.e.id); err != nil {
			return fmt.Errorf("statetemplate: flushing session %s: %w", h.e.id.Short(), err)
		}
	}
	return nil
}

// closeHandle counts a handle's Close.
func (m *Manager) closeHandle(e *entry) {
	e.mu.Lock()
	e.handles--
	e.mu.Unlock()
}

// RenderFragments makes data the session's data and returns the updates
// that turn the page the browser has into the page for data. Equal data,
// or an equal page, gives one no-op update. Render, diff and store happen
// under the session's lock: concurrent calls on one session run one after
// the other, each diffed against the page the previous one produced.
func (h *Handle) RenderFragments(ctx context.Context, data any) ([]fragments.Update, error) {
	return h.render(ctx, nil, data)
}

// Navigate makes the template called tmpl render the session's page from
// now on, and returns the updates that turn the page the browser has into
// tmpl's page for data: the markup the two pages share (a layout, a
// navigation bar) is not sent again. The caller checks that the template
// exists.
func (h *Handle) Navigate(ctx context.Context, tmpl string, data any) ([]fragments.Update, error) {
	return h.render(ctx, &tmpl, data)
}

// render is RenderFragments, switching the session to the template *tmpl
// when tmpl is not nil.
func (h *Handle) render(ctx context.Context, tmpl *string, data any) ([]fragments.Update, error) {
	if err := h.usable(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("statetemplate: session %s: %w", h.e.id.Short(), err)
	}
	m, e := h.m, h.e
	encBuf := getBuffer()
	defer putBuffer(encBuf)
	var slot *listSlot
	e.mu.Lock()
	if e.rec != nil {
		slot = e.rec.lists
	}
	e.mu.Unlock()
	if slot == nil {
		slot = new(listSlot)
	}
	// The memo is put back once rebased onto the snapshot; an error
	// before that drops it.
	lists, captured, err := encodeWithLists(encBuf, data, slot.memo.Swap(nil))
	if err != nil {
		return nil, err
	}
	if err := m.checkSize(encBuf.Len(), TypeName(data)); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := m.check(ctx, e, h.gen); err != nil {
		return nil, err
	}
	now := m.now()
	if err := m.full(ctx, e, now); err != nil {
		return nil, err
	}
	prev := e.rec
	page := prev.Template
	if tmpl != nil {
		page = *tmpl
	}
	// Equal encodings mean equal data only for types the encoding captures
	// in full, holding only times it captures; any other data is rendered,
	// and an equal page is the no-op.
	if prev.Fragments != nil && page == prev.Template && captured && Shareable(reflect.TypeOf(data)) && bytes.Equal(encBuf.Bytes(), prev.Data) {
		lists.rebase(prev.Data)
		slot.memo.Store(lists)
		if err := m.touch(ctx, e, now); err != nil {
			return nil, err
		}
		return []fragments.Update{{IsNoOp: true, Timestamp: now}}, nil
	}
	name := TypeName(data)
	if name != prev.DataType && IsDurable(m.cfg.Store) && !m.cfg.Types.Registered(data) {
		return nil, fmt.Errorf("%w: %s: session %s", ErrUnregisteredType, name, e.id.Short())
	}

	// The snapshot the record keeps, copied before the render so that the
	// renderer's memo may keep it too (IncrementalInput.EncKept).
	enc := bytes.Clone(encBuf.Bytes())
	lists.rebase(enc)
	slot.memo.Store(lists)
	// Updates only read may be shared with other sessions' renders.
	readOnly := readOnlyUpdates(ctx) && !m.cfg.DataChanged
	updates, state, memo, title, err := m.update(e, page, data, enc, captured, readOnly)
	if err != nil {
		return nil, err
	}
	m.noteOpaque(page, state)
	if readOnly {
		updates = slices.Clip(updates) // a title's update goes in a copy
	}
	updates = titleUpdate(prev, title, updates)
	var changed []string
	if m.cfg.DataChanged {
		changed = m.changedPaths(prev, data)
	}

	next := prev.Clone()
	next.Rev++
	next.LastAccess = now
	next.DataType = name
	next.Template = page
	next.Title = title
	next.Data = enc
	next.Value = data
	next.Fragments = state
	next.Memo = memo
	next.lists = slot
	if err := m.commit(ctx, e, next); err != nil {
		return nil, err
	}
	if len(updates) == 0 {
		return []fragments.Update{{IsNoOp: true, Timestamp: now, DataChanged: changed}}, nil
	}
	if readOnly {
		return updates, nil // no Timestamp, no DataChanged (see ReadOnlyUpdates)
	}
	for i := range updates {
		updates[i].Timestamp = now
	}
	updates[0].DataChanged = changed
	return updates, nil
}

// update renders e's page for data with template tmpl and returns the
// updates from the page the browser has, the new fragment state, the
// incremental renderer's memo and the page's title. enc, the encoding of
// data, is never modified after; captured says data is Captured; readOnly
// that the caller only reads the updates (ReadOnlyUpdates). e.mu must be
// held.
func (m *Manager) update(e *entry, tmpl string, data any, enc []byte, captured, readOnly bool) ([]fragments.Update, *fragments.State, any, string, error) {
	out, done, err := m.renderIncremental(e, tmpl, data, enc, true, captured, readOnly, nil)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("statetemplate: rendering session %s: %w", e.id.Short(), err)
	}
	if done {
		title := e.rec.Title
		if out.TitleKnown {
			title = out.Title
		}
		return out.Updates, out.State, out.Memo, title, nil
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := m.renderShared(buf, tmpl, data, enc, captured, e.id); err != nil {
		return nil, nil, nil, "", err
	}
	updates, state, err := fragments.Diff(e.rec.Fragments, buf.Bytes())
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err)
	}
	return updates, state, nil, PageTitle(buf.Bytes()), nil
}

// touch records an access for the idle timeout. It writes at most once a
// second per session, and never for a session without idle timeout.
// e.mu must be held.
func (m *Manager) touch(ctx context.Context, e *entry, now time.Time) error {
	if e.rec.IdleTimeout <= 0 || now.Sub(e.rec.LastAccess) < time.Second {
		return nil
	}
	next := e.rec.Clone()
	next.Rev++
	next.LastAccess = now
	return m.commit(ctx, e, next)
}

// changedPaths reports the paths that differ between the data of prev and
// data. The previous value must be the data as it was rendered: when the
// app passes a new value, prev.Value is used if it still encodes to
// prev.Data (one encoding into a pooled buffer); when it mutated the
// stored value in place, the snapshot is decoded afresh. A change of type
// reports the root path "".
func (m *Manager) changedPaths(prev *Record, data any) []string {
	if prev.DataType != TypeName(data) || data == nil {
		return []string{""}
	}
	if old := prev.Value; old != nil && !samePointer(old, data) {
		buf := getBuffer()
		intact := encodeDataTo(buf, old) == nil && bytes.Equal(buf.Bytes(), prev.Data)
		putBuffer(buf)
		if intact {
			return datapath.Changed(old, data)
		}
	}
	old, err := DecodeAs(reflect.TypeOf(data), prev.Data)
	if err != nil {
		return []string{""}
	}
	return datapath.Changed(old, data)
}

// samePointer reports whether a and b are the same pointer, map or slice:
// values that an in-place mutation changes under both names.
func samePointer(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	switch va.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		return va.Kind() == vb.Kind() && va.Pointer() == vb.Pointer()
	}
	return false
}
