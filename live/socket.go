package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate"
)

func (a *App[T]) serveSocket(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: a.cfg.origins})
	if err != nil {
		return // Accept has answered: a bad handshake or a foreign origin
	}
	ws.SetReadLimit(a.cfg.maxMessage)
	c := newConn(ws, a.cfg)
	if !a.track(c) {
		c.close(CloseGoingAway, "server shutting down")
		c.wg.Wait()
		return
	}
	defer a.untrack(c)
	defer c.wait()

	token, err := a.tokenFor(r)
	var ls *liveSession[T]
	if err == nil {
		ls, err = a.hub.attach(a.r, token, c)
	}
	if err != nil {
		a.cfg.logger.Info("live: refusing a connection", "err", err)
		if sessionGone(err) {
			c.close(CloseSessionGone, "session gone")
		} else {
			c.close(websocket.StatusTryAgainLater, "session unavailable")
		}
		return
	}
	defer a.hub.detach(ls, c)
	c.enqueue(readyMessage)
	a.readLoop(c, ls)
}

// tokenFor opens the request's tab reference with its browser cookie.
func (a *App[T]) tokenFor(r *http.Request) (string, error) {
	secret, ok := browserSecret(r, a.cfg.cookieName)
	if !ok {
		return "", fmt.Errorf("%w: no browser cookie", ErrBadReference)
	}
	return openRef(secret, r.URL.Query().Get("ref"))
}

func (a *App[T]) readLoop(c *conn, ls *liveSession[T]) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	limit := newBucket(a.cfg.ratePerSec, a.cfg.rateBurst)
	for {
		typ, b, err := c.ws.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				c.close(websocket.StatusMessageTooBig, "message too big")
			}
			return
		}
		if typ != websocket.MessageText {
			c.sendError(errCodeBadMessage, "binary messages are not accepted", "")
			continue
		}
		if !limit.allow(time.Now()) {
			c.sendError(errCodeRateLimited, "too many actions; this one was dropped", "")
			continue
		}
		msg, err := parseMessage(b)
		if err != nil {
			c.sendError(errCodeBadMessage, err.Error(), "")
			continue
		}
		if err := a.dispatch(ctx, c, ls, msg); sessionGone(err) || errors.Is(err, statetemplate.ErrSessionClosed) {
			return
		}
	}
}
