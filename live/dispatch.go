package live

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/fragments"
)

// dispatch runs one message. The error is for the read loop's decision to
// go on; the browser has been told already.
func (a *App[T]) dispatch(ctx context.Context, c *conn, ls *liveSession[T], msg Message) error {
	if msg.Action == actionResync {
		return a.resync(c, ls)
	}
	a.mu.RLock()
	fn := a.actions[msg.Action]
	a.mu.RUnlock()
	if fn == nil {
		c.sendError(errCodeUnknownAction, "no handler for this action", msg.Action)
		return nil
	}
	var failed error
	err := a.mutate(ctx, ls, func(d T) error {
		failed = fn(ctx, d, msg)
		return failed
	})
	switch {
	case err == nil:
	case failed != nil:
		text, ok := userMessage(failed)
		if !ok {
			a.cfg.logger.Warn("live: action failed", "action", msg.Action, "session", ls.id[:8], "err", failed)
			text = genericFailure
		}
		c.sendError(errCodeActionFailed, text, msg.Action)
	case errors.Is(err, statetemplate.ErrConflict):
		// Another server changed the session first: the tab gets the
		// winner's page; its action is not applied.
		c.sendError(errCodeConflict, "the page changed elsewhere; it was reloaded and the action was not applied", msg.Action)
	case errors.Is(err, statetemplate.ErrDataTooLarge):
		c.sendError(errCodeActionFailed, "The change is too large.", msg.Action)
	case !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed):
		a.cfg.logger.Warn("live: rendering an action", "action", msg.Action, "session", ls.id[:8], "err", err)
		c.sendError(errCodeInternal, "the update failed", msg.Action)
	}
	return err
}

// mutate applies fn to the session's data, renders and queues the updates
// to every connection of the session. When fn or the render fails, the
// session's data is rolled back to its last committed state: nothing of a
// failed action reaches a later render. A conflict with another server
// sends every connection of the session the winner's page.
func (a *App[T]) mutate(ctx context.Context, ls *liveSession[T], fn func(T) error) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.dead {
		return fmt.Errorf("%w: no connection left", statetemplate.ErrSessionClosed)
	}
	data, ok := ls.sess.Data().(T)
	if !ok {
		return fmt.Errorf("live: session data is %T, not %v", ls.sess.Data(), reflect.TypeFor[T]())
	}
	if err := fn(data); err != nil {
		a.rollback(ctx, ls)
		return err
	}
	return a.render(ctx, ls, data)
}

// render makes data the session's data and pushes the updates. ls.mu must
// be held.
func (a *App[T]) render(ctx context.Context, ls *liveSession[T], data T) error {
	updates, err := ls.sess.RenderFragments(ctx, data)
	if err != nil {
		switch {
		case errors.Is(err, statetemplate.ErrConflict):
			// The session now holds the winner's state.
			if msg, rerr := a.wholePage(ls); rerr == nil {
				ls.broadcast(msg)
			}
		case !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed):
			a.rollback(ctx, ls)
		}
		a.failed(ls, err)
		return err
	}
	if len(updates) == 1 && updates[0].IsNoOp {
		return nil
	}
	msg, err := encodeUpdates(updates)
	if err != nil {
		return err
	}
	ls.broadcast(msg)
	return nil
}

// rollback restores the session's last committed data. ls.mu must be held.
func (a *App[T]) rollback(ctx context.Context, ls *liveSession[T]) {
	if err := ls.sess.Rollback(ctx); err != nil && !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed) {
		a.cfg.logger.Warn("live: rolling back a failed action", "session", ls.id[:8], "err", err)
	}
}

// startFromCopy makes a copy of the data of the session src the data of
// c's session: a duplicated tab starts where the original was.
func (a *App[T]) startFromCopy(c *conn, ls *liveSession[T], src string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := a.r.GetSession(src)
	if err == nil {
		var v any
		v, err = s.CopyData(ctx)
		s.Close()
		if d, ok := v.(T); err == nil && ok {
			ls.mu.Lock()
			err = a.render(ctx, ls, d)
			ls.mu.Unlock()
		}
	}
	if err != nil {
		a.cfg.logger.Warn("live: starting a duplicated tab from its original", "err", err)
		c.sendError(errCodeInternal, "the tab could not be copied; it starts anew", "")
	}
}

// resync sends c the session's whole page as a body replace.
func (a *App[T]) resync(c *conn, ls *liveSession[T]) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.dead {
		return fmt.Errorf("%w: no connection left", statetemplate.ErrSessionClosed)
	}
	msg, err := a.wholePage(ls)
	if err != nil {
		return err
	}
	c.enqueue(msg)
	return nil
}

// wholePage renders the session's whole page as a body replace. ls.mu must be
// held.
func (a *App[T]) wholePage(ls *liveSession[T]) ([]byte, error) {
	html, err := a.r.RenderPage(ls.token)
	if err != nil {
		a.failed(ls, err)
		return nil, err
	}
	return encodeUpdates([]statetemplate.Update{{
		Action: statetemplate.ActionReplace, HTML: html,
		HTMLHash: fragments.HashHTML(html), Timestamp: time.Now().UTC(),
	}})
}

// failed closes the session's connections when err means it is gone, or
// the renderer is closing. ls.mu must be held.
func (a *App[T]) failed(ls *liveSession[T], err error) {
	switch {
	case sessionGone(err):
		for c := range ls.conns {
			c.close(CloseSessionGone, "session gone")
		}
	case errors.Is(err, statetemplate.ErrSessionClosed):
		for c := range ls.conns {
			c.close(CloseGoingAway, "server shutting down")
		}
	}
}
