package statetemplate

import (
	"context"
	"time"

	"github.com/livefir/statetemplate/session"
)

// Session is a live handle on one session, from GetSession. Its methods
// are safe for concurrent use; RenderFragments calls on one session run
// one at a time.
type Session struct {
	h *session.Handle
	r *Renderer
}

// RenderFragments makes data the session's data and returns the updates
// that bring the browser's page up to date: only the fragments that
// changed, or a single no-op update when nothing did.
func (s *Session) RenderFragments(ctx context.Context, data any) ([]Update, error) {
	return s.h.RenderFragments(ctx, data)
}

// Navigate switches the session's page to the template of the renderer's
// set called name ("" is the renderer's own template) and returns the
// updates that turn the browser's page into that page for data. Markup the
// two pages share, such as a layout, is not sent again. RenderPage and
// RenderFragments use the new template from then on. An unknown name
// fails with ErrTemplateNotFound and changes nothing.
func (s *Session) Navigate(ctx context.Context, name string, data any) ([]Update, error) {
	if err := s.r.checkTemplate(name); err != nil {
		return nil, err
	}
	return s.h.Navigate(ctx, name, data)
}

// Data returns the session's current data: the value last passed to
// RenderFragments, or the one given to CreateSession (after a restart with
// a durable store, a value restored from the stored record). It is the
// session's own value, not a copy, shared by every handle of the session.
// Mutating it in place and passing it to RenderFragments is the intended
// use: changes are detected against a snapshot of the last render, and
// the session's stored state changes only when RenderFragments succeeds.
// Goroutines that mutate it concurrently must synchronize themselves.
func (s *Session) Data() any { return s.h.Data() }

// Rollback discards the changes made in place to the session's data since
// its last successful RenderFragments: Data returns a value decoded from
// the last committed state, as a restart would restore it (fields the
// encoding does not capture, such as unexported ones, come back zero).
// Call it when an action that mutated the data fails; package live does.
func (s *Session) Rollback(ctx context.Context) error { return s.h.Rollback(ctx) }

// CopyData returns a new value decoded from the session's last committed
// state: a deep copy of its data as last rendered, sharing nothing with
// the session. Package live starts a duplicated browser tab's session
// from it.
func (s *Session) CopyData(ctx context.Context) (any, error) { return s.h.Committed(ctx) }

// SetLease ends the session d from now unless the lease is renewed by
// another SetLease, or a handle (GetSession) holds the session open at
// that moment; d <= 0 removes the lease. It is independent of the
// absolute expiry and the idle timeout, which still apply. Package live
// renews a lease while a page is connected and shortens it when the page
// goes away, so that a session nothing can reach any more ends soon.
func (s *Session) SetLease(ctx context.Context, d time.Duration) error {
	return s.h.SetLease(ctx, d)
}

// ID returns the session's ID, for logs. It is not a credential: only a
// token opens a session.
func (s *Session) ID() string { return s.h.ID().String() }

// Close releases the handle and flushes the session's last update. The
// session continues: GetSession with its token resumes it. After Close
// this handle returns ErrSessionClosed.
func (s *Session) Close() error { return s.h.Close() }
