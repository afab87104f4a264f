package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
)

// dispatch runs one message and answers it: the updates go to every
// connection of the session, the reply (acknowledgment or error, flash
// notices, events, navigation) to c. The error is for the read loop's
// decision to go on; the browser has been told already.
func (a *App[T]) dispatch(ctx context.Context, c *conn, ls *liveSession[T], msg Message) error {
	rp := &reply{Ack: msg.seq, session: ls.id, logger: a.cfg.logger, origin: c}
	defer func() { c.enqueue(rp.encode()) }()
	var fn ActionFunc[T]
	switch msg.Action {
	case actionResync:
		return a.resync(c, ls)
	case actionNavigate:
		url := msg.String(fieldURL)
		fn = func(ctx context.Context, _ T, _ Message) error {
			Navigate(ctx, url)
			return nil
		}
	default:
		a.mu.RLock()
		fn = a.actions[msg.Action]
		a.mu.RUnlock()
	}
	if fn == nil {
		rp.fail(errCodeUnknownAction, "no handler for this action", msg.Action)
		return nil
	}
	hctx := withReply(ctx, rp)
	msg.uploads, msg.session = &a.uploads, ls.id
	defer a.uploads.release(msg) // when the handler did not run
	err := a.mutate(hctx, c.req, ls, func(d T) error {
		// The files go once the handler has returned, before the batch
		// that carries the action's ack is sent.
		defer a.uploads.release(msg)
		return fn(hctx, d, msg)
	})
	var he handlerError
	switch {
	case err == nil:
	case errors.As(err, &he):
		a.fail(rp, he.err, msg.Action, ls)
	case errors.Is(err, statetemplate.ErrConflict):
		// Another server changed the session first: the tab gets the
		// winner's page; its action is not applied.
		rp.fail(errCodeConflict, "the page changed elsewhere; it was reloaded and the action was not applied", msg.Action)
	case errors.Is(err, statetemplate.ErrDataTooLarge), errors.Is(err, statetemplate.ErrUnstorableData):
		rp.fail(errCodeActionFailed, "The change is too large.", msg.Action)
	case !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed):
		a.cfg.logger.Warn("live: rendering an action", "action", msg.Action, "session", ls.id[:8], "err", err)
		rp.fail(errCodeInternal, "the update failed", msg.Action)
	}
	return err
}

// fail makes rp the answer to a handler's error: a UserError's message or
// FieldErrors are for the user; any other error is logged and the browser
// gets a generic message.
func (a *App[T]) fail(rp *reply, err error, action string, ls *liveSession[T]) {
	var fields FieldErrors
	switch {
	case errors.As(err, &fields):
		rp.fail(errCodeInvalid, invalidFields, action)
		rp.Fields = fields
	default:
		text, ok := userMessage(err)
		if !ok {
			a.cfg.logger.Warn("live: action failed", "action", action, "session", ls.id[:8], "err", err)
			text = genericFailure
		}
		rp.fail(errCodeActionFailed, text, action)
	}
	rp.Flash, rp.Events, rp.Nav, rp.Redirect = nil, nil, "", ""
}

// handlerError is an error of the app's code (a handler, a push callback,
// a page's params), as opposed to one of rendering or storing.
type handlerError struct{ err error }

func (e handlerError) Error() string { return e.err.Error() }
func (e handlerError) Unwrap() error { return e.err }

// mutate applies fn to the session's data, renders and queues the updates
// to every connection of the session. When fn or the render fails, the
// session's data is rolled back to its last committed state: nothing of a
// failed action reaches a later render. A navigation fn asked for (see
// Navigate) runs the target page's params in the same render. base is the
// page load the connection stands for, which a page's params read.
func (a *App[T]) mutate(ctx context.Context, base *http.Request, ls *liveSession[T], fn func(T) error) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return a.mutateLocked(ctx, base, ls, fn)
}

// mutateLocked is mutate for a caller holding ls.mu (a push worker).
func (a *App[T]) mutateLocked(ctx context.Context, base *http.Request, ls *liveSession[T], fn func(T) error) error {
	if ls.dead {
		return fmt.Errorf("%w: no connection left", statetemplate.ErrSessionClosed)
	}
	data, ok := ls.sess.Data().(T)
	if !ok {
		return fmt.Errorf("live: session data is %T, not %v", ls.sess.Data(), reflect.TypeFor[T]())
	}
	if err := fn(data); err != nil {
		a.rollback(ctx, ls)
		return handlerError{err}
	}
	var tmpl *string
	if rp := replyOf(ctx); rp != nil && rp.Nav != "" {
		p, pr := a.route(base, rp.Nav)
		switch {
		case p == nil:
			rp.Redirect, rp.Nav = rp.Nav, ""
		case p.params != nil:
			if err := p.params(ctx, data, Params{pr}); err != nil {
				a.rollback(ctx, ls)
				return handlerError{err}
			}
		}
		if p != nil {
			tmpl = &p.template
		}
	}
	return a.render(ctx, ls, data, tmpl)
}

// render makes data the session's data — rendered with the template *tmpl
// from now on when tmpl is not nil — and pushes the updates, and the
// reply in ctx to the session's other connections. ls.mu must be held.
func (a *App[T]) render(ctx context.Context, ls *liveSession[T], data T, tmpl *string) error {
	var updates []statetemplate.Update
	var err error
	// The updates are only encoded: they may be other sessions' too.
	var rctx context.Context
	if r, ok := ctx.(*pushRun[T]); ok {
		rctx = &r.ro // a push's, made with it
	} else {
		rctx = session.ReadOnlyUpdates{Context: ctx}
	}
	if tmpl != nil {
		updates, err = ls.sess.Navigate(rctx, *tmpl, data)
	} else {
		updates, err = ls.sess.RenderFragments(rctx, data)
	}
	if err != nil {
		switch {
		case errors.Is(err, statetemplate.ErrConflict):
			// The session now holds the winner's state.
			if page, rerr := a.wholePage(ls); rerr == nil {
				ls.send(page, nil, 0, nil)
			}
		case !sessionGone(err) && !errors.Is(err, statetemplate.ErrSessionClosed):
			a.rollback(ctx, ls)
		}
		a.failed(ls, err)
		return err
	}
	if rp := replyOf(ctx); rp != nil && rp.origin != nil && rp.Ack != 0 && rp.onlyAck() && hasUpdates(updates) {
		// The action's ack ends its connection's copy of the batch: one
		// frame instead of two. The reply is then empty.
		ack := rp.Ack
		rp.Ack = 0
		return ls.send(updates, rp.origin, ack, nil)
	}
	return ls.send(updates, nil, 0, markOf(ctx))
}

// hasUpdates reports whether updates hold one that is not a no-op.
func hasUpdates(updates []statetemplate.Update) bool {
	for _, u := range updates {
		if !u.IsNoOp {
			return true
		}
	}
	return false
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
			err = a.render(ctx, ls, d, nil)
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
	if c.wire != nil {
		c.wire.resynced()
	}
	page, err := a.wholePage(ls)
	if err != nil {
		return err
	}
	msg, err := c.encode(page, 0)
	c.enqueue(msg)
	return err
}

// wholePage renders the session's whole page as a body replace: the page
// from its body on, which is all the client reads of it. ls.mu must be
// held.
func (a *App[T]) wholePage(ls *liveSession[T]) ([]statetemplate.Update, error) {
	html, err := a.r.RenderPage(ls.token)
	if err != nil {
		a.failed(ls, err)
		return nil, err
	}
	body, _, err := fragments.Diff(nil, []byte(html))
	return body, err
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
