package session

import (
	"bytes"
	"context"
	"fmt"
	"reflect"

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
	now := m.now()
	if err := m.full(ctx, e, now); err != nil {
		return "", err
	}
	buf := getBuffer()
	defer putBuffer(buf)
	updates, state, memo, err := m.page(buf, e)
	if err != nil {
		return "", err
	}
	page := buf.String()
	m.noteOpaque(e.rec.Template, state)
	title := PageTitle(buf.Bytes())
	if len(updates) == 0 && state == e.rec.Fragments && title == e.rec.Title {
		return page, m.touch(ctx, e, now)
	}
	next := e.rec.Clone()
	next.Rev++
	next.LastAccess = now
	next.Fragments = state
	next.Memo = memo
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

// page renders e's whole page into buf and returns the updates from the
// page the browser had, the fragment state and the incremental renderer's
// memo. A page the render cache holds is served from it; otherwise the
// incremental renderer renders it (keeping its memo for the next update),
// or Config.Render does. e.mu must be held.
func (m *Manager) page(buf *bytes.Buffer, e *entry) ([]fragments.Update, *fragments.State, any, error) {
	rc, inc, v := m.cfg.RenderCache, m.cfg.Incremental, e.rec.Value
	captured := Captured(reflect.ValueOf(v))
	shared := rc != nil && captured && Shareable(reflect.TypeOf(v))
	var enc []byte
	if shared || inc != nil {
		eb := getBuffer()
		defer putBuffer(eb)
		if err := encodeDataTo(eb, v); err != nil {
			return nil, nil, nil, err
		}
		enc = eb.Bytes()
	}
	key := pageKey(e.rec.Template, v)
	cached := false
	if shared {
		if page, ok := rc.Get(key, enc); ok {
			buf.WriteString(page)
			cached = true
		}
	}
	if !cached {
		out, done, err := m.renderIncremental(e, e.rec.Template, v, enc, false, captured, false, buf)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("statetemplate: rendering session %s: %w", e.id.Short(), err)
		}
		if done {
			if shared {
				rc.Set(key, enc, buf.String())
			}
			return out.Updates, out.State, out.Memo, nil
		}
		buf.Reset()
		if err := m.renderShared(buf, e.rec.Template, v, enc, captured, e.id); err != nil {
			return nil, nil, nil, err
		}
	}
	updates, state, err := fragments.Diff(e.rec.Fragments, buf.Bytes())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err)
	}
	return updates, state, nil, nil
}
