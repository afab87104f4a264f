package live

import (
	"context"
	"errors"

	"github.com/livefir/statetemplate"
)

// UpdateAll applies fn to the data of every session with an open
// connection and pushes the resulting updates, one session at a time. It
// is how server-side events (a ticker, a feed) reach the pages. fn's ctx
// carries the session (SessionID) and takes Flash, PushEvent, Navigate and
// Redirect, which go to every connection of the session. An error from fn
// rolls that session's data back and leaves its page as it was. UpdateAll
// returns the first error other than a session having gone away
// meanwhile.
func (a *App[T]) UpdateAll(ctx context.Context, fn func(ctx context.Context, data T) error) error {
	var first error
	for _, ls := range a.hub.sessions() {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := a.push(ctx, ls, fn)
		if err != nil && first == nil && !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed) {
			first = err
		}
	}
	return first
}

// push runs fn on one session's data, renders, and sends the updates and
// what fn asked for to every connection of the session.
func (a *App[T]) push(ctx context.Context, ls *liveSession[T], fn func(ctx context.Context, data T) error) error {
	rp := &reply{session: ls.id, logger: a.cfg.logger}
	pctx := withReply(ctx, rp)
	if err := a.mutate(pctx, nil, ls, func(d T) error { return fn(pctx, d) }); err != nil {
		return err
	}
	if msg := rp.encode(); msg != nil {
		ls.mu.Lock()
		ls.broadcast(msg)
		ls.mu.Unlock()
	}
	return nil
}
