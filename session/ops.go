package session

import (
	"bytes"
	"context"
	"fmt"

	"github.com/livefir/statetemplate/fragments"
)

// Page renders the full page for the session tok names and makes it the
// baseline of the session's next RenderFragments: the browser now has it.
// When the page is the one the session last rendered, nothing is written
// (beyond an idle-timeout access).
func (m *Manager) Page(ctx context.Context, tok string) (string, error) {
	e, _, err := m.acquire(ctx, tok)
	if err != nil {
		return "", err
	}
	defer m.release(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gone {
		return "", e.err
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := m.renderCurrent(buf, e); err != nil {
		return "", err
	}
	page := buf.String()
	now := m.now()
	updates, state, err := fragments.Diff(e.rec.Fragments, buf.Bytes())
	if err != nil {
		return "", fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err)
	}
	m.noteOpaque(e.rec.Template, state)
	title := pageTitle(buf.Bytes())
	if len(updates) == 0 && state == e.rec.Fragments && title == e.rec.Title {
		return page, m.touch(ctx, e, now)
	}
	next := e.rec.Clone()
	next.Rev++
	next.LastAccess = now
	next.Fragments = state
	next.Title = title
	if err := m.commit(ctx, e, next); err != nil {
		return "", err
	}
	return page, nil
}

// Validate reports whether tok opens a live session.
func (m *Manager) Validate(ctx context.Context, tok string) bool {
	e, _, err := m.acquire(ctx, tok)
	if err != nil {
		return false
	}
	m.release(e)
	return true
}

// Invalidate ends the session tok names: its record is deleted, every
// handle on it fails, and its tokens stop working.
func (m *Manager) Invalidate(ctx context.Context, tok string) error {
	e, _, err := m.acquire(ctx, tok)
	if err != nil {
		return err
	}
	defer m.release(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	m.end(ctx, e, fmt.Errorf("%w: session %s was invalidated", ErrSessionNotFound, e.id.Short()))
	return nil
}

// Refresh issues a new token for the session tok names, sealed with the
// current key. tok, and every older token of the session, stop working.
// The session's absolute expiry does not move.
func (m *Manager) Refresh(ctx context.Context, tok string) (string, error) {
	e, gen, err := m.acquire(ctx, tok)
	if err != nil {
		return "", err
	}
	defer m.release(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := m.check(ctx, e, gen); err != nil {
		return "", err // refreshed or ended meanwhile
	}
	now := m.now()
	next := e.rec.Clone()
	next.Rev++
	next.TokenGen++
	next.KeyID = m.cfg.Keys.CurrentKeyID()
	next.LastAccess = now
	if err := m.commit(ctx, e, next); err != nil {
		return "", err
	}
	return m.seal(next, now), nil
}

// renderCurrent renders e's current value. With a render cache, the value
// is encoded first, so that the page is shared under the encoding of
// exactly what was rendered, even if the app mutated the value in place
// since its last RenderFragments. e.mu must be held.
func (m *Manager) renderCurrent(buf *bytes.Buffer, e *entry) error {
	if m.cfg.RenderCache == nil {
		return m.render(buf, e.rec.Template, e.rec.Value, e.id)
	}
	enc := getBuffer()
	defer putBuffer(enc)
	if err := encodeDataTo(enc, e.rec.Value); err != nil {
		return err
	}
	return m.renderShared(buf, e.rec.Template, e.rec.Value, enc.Bytes(), e.id)
}
