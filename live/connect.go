package live

import (
	"context"
	"errors"
	"net/http"

	"github.com/livefir/statetemplate"
)

// ConnectFunc runs each time a page connects: on a new tab, and again on
// every reconnect (a server restart, a network change, a reload). r is the
// WebSocket handshake, with the browser's cookies and headers. Its ctx
// carries the session (SessionID) and takes Subscribe, Flash, PushEvent,
// Navigate and Redirect; it may change data, like an action, and the
// page gets the updates.
//
// It is where a page subscribes to its topics, since subscriptions last
// only while the page is connected, and where it catches up with what it
// missed while it was not:
//
//	app.OnConnect(func(ctx context.Context, d *Tab, _ *http.Request) error {
//		live.Subscribe(ctx, "quotes")
//		d.Quotes = market.Latest() // ticks published while away
//		return nil
//	})
//
// An error is logged and the connection closed with 1013: the client
// reconnects with backoff, and the hook runs again.
type ConnectFunc[T any] func(ctx context.Context, data T, r *http.Request) error

// OnConnect sets the App's connect hook. It panics when one is set
// already.
func (a *App[T]) OnConnect(fn ConnectFunc[T]) {
	if fn == nil || !a.push.connect.CompareAndSwap(nil, &fn) {
		panic("live: OnConnect: nil, or set twice")
	}
}

// connected runs the connect hook for c, which has just joined ls; it
// reports whether c stays open.
func (a *App[T]) connected(c *conn, ls *liveSession[T]) bool {
	defer a.free(ls) // pushes may have waited for the handshake's renders
	fn := a.push.connect.Load()
	if fn == nil {
		return true
	}
	rp := &reply{session: ls.id, logger: a.cfg.logger}
	ctx := withScope(withReply(context.Background(), rp), &scope{subs: sessionSubs[T]{a, ls}})
	err := a.mutate(ctx, c.req, ls, func(d T) error { return (*fn)(ctx, d, c.req) })
	var he handlerError
	switch {
	case err == nil:
		c.enqueue(rp.encode())
		return true
	case errors.Is(err, statetemplate.ErrConflict):
		return true // the page has the winner's state; it may connect again
	case sessionGone(err), errors.Is(err, statetemplate.ErrSessionClosed):
		return false // mutate has closed the connections
	case errors.As(err, &he):
		a.cfg.logger.Warn("live: the connect hook failed; the page will retry", "session", ls.id[:8], "err", he.err)
	default:
		a.cfg.logger.Warn("live: rendering the connect hook's changes", "session", ls.id[:8], "err", err)
	}
	c.close(CloseSlowClient, "the page could not connect; try again")
	return false
}
