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
		c.sendError(errCodeActionFailed, failed.Error(), msg.Action)
	case !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed):
		a.cfg.logger.Warn("live: rendering an action", "action", msg.Action, "err", err)
		c.sendError(errCodeInternal, "the update failed", msg.Action)
	}
	return err
}

// mutate applies fn to the session's data, renders and queues the updates
// to every connection of the session.
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
		return err
	}
	updates, err := ls.sess.RenderFragments(ctx, data)
	if err != nil {
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

// resync sends c the session's whole page as a body replace.
func (a *App[T]) resync(c *conn, ls *liveSession[T]) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.dead {
		return fmt.Errorf("%w: no connection left", statetemplate.ErrSessionClosed)
	}
	html, err := a.r.RenderPage(ls.token)
	if err != nil {
		a.failed(ls, err)
		return err
	}
	msg, err := encodeUpdates([]statetemplate.Update{{
		Action: statetemplate.ActionReplace, HTML: html,
		HTMLHash: fragments.HashHTML(html), Timestamp: time.Now().UTC(),
	}})
	if err != nil {
		return err
	}
	c.enqueue(msg)
	return nil
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
