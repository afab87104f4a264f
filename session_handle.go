package statetemplate

import (
	"context"

	"github.com/livefir/statetemplate/session"
)

// Session is a live handle on one session, from GetSession. Its methods
// are safe for concurrent use; RenderFragments calls on one session run
// one at a time.
type Session struct {
	h *session.Handle
}

// RenderFragments makes data the session's data and returns the updates
// that bring the browser's page up to date: only the fragments that
// changed, or a single no-op update when nothing did.
func (s *Session) RenderFragments(ctx context.Context, data any) ([]Update, error) {
	return s.h.RenderFragments(ctx, data)
}

// Data returns the session's current data, so that an app can apply an
// action to it and pass it back to RenderFragments. Mutating it in place
// is fine: changes are detected against a snapshot of the last render.
func (s *Session) Data() any { return s.h.Data() }

// ID returns the session's ID, for logs. It is not a credential: only a
// token opens a session.
func (s *Session) ID() string { return s.h.ID().String() }

// Close releases the handle and flushes the session's last update. The
// session continues: GetSession with its token resumes it. After Close
// this handle returns ErrSessionClosed.
func (s *Session) Close() error { return s.h.Close() }
