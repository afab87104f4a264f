package session

import (
	"context"
	"fmt"

	"github.com/livefir/statetemplate/fragments"
)

// Page renders the full page for the session tok names and makes it the
// baseline of the session's next RenderFragments: the browser now has it.
func (m *Manager) Page(ctx context.Context, tok string) (string, error) {
	e, err := m.acquire(ctx, tok)
	if err != nil {
		return "", err
	}
	defer m.release(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gone {
		return "", e.err
	}
	page, err := m.render(e.rec.Value)
	if err != nil {
		return "", err
	}
	_, state, err := fragments.Diff(nil, page)
	if err != nil {
		return "", fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err)
	}
	next := e.rec.Clone()
	next.Rev++
	next.LastAccess = m.now()
	next.Fragments = state
	if err := m.commit(ctx, e, next); err != nil {
		return "", err
	}
	return string(page), nil
}

// Validate reports whether tok opens a live session.
func (m *Manager) Validate(ctx context.Context, tok string) bool {
	e, err := m.acquire(ctx, tok)
	if err != nil {
		return false
	}
	m.release(e)
	return true
}

// Invalidate ends the session tok names: its record is deleted, every
// handle on it fails, and its tokens stop working.
func (m *Manager) Invalidate(ctx context.Context, tok string) error {
	e, err := m.acquire(ctx, tok)
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
	e, err := m.acquire(ctx, tok)
	if err != nil {
		return "", err
	}
	defer m.release(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gone {
		return "", e.err
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
