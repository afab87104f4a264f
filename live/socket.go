package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate"
)

// serveSocket is the WebSocket endpoint. The handshake's query carries the
// client's protocol version (v), the page's tab reference (ref), the
// page's URL (url) and at most one of:
//
//	resumed=1  the page continued its tab's session (a reload): resync it
//	fresh=1    the page shows a session another tab left in the resume
//	           cookie: give this tab a new session instead
//	prev=REF   the tab's previous page had REF: continue that session when
//	           no page has it open (a reload the cookie missed), else start
//	           this tab from a copy of it (a duplicated tab)
func (a *App[T]) serveSocket(w http.ResponseWriter, r *http.Request) {
	secret, hasCookie := browserSecret(r, a.cfg.cookieName)
	if hasCookie {
		if !a.browsers.acquire(secret) {
			a.cfg.logger.Warn("live: connection refused: too many for one browser (WithMaxConnectionsPerBrowser)")
			http.Error(w, "too many connections from this browser", http.StatusTooManyRequests)
			return
		}
		defer a.browsers.release(secret)
	}
	mode, release := a.compressionMode()
	defer release()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: a.cfg.origins, CompressionMode: mode})
	if err != nil {
		return // Accept has answered: a bad handshake or a foreign origin
	}
	ws.SetReadLimit(a.cfg.maxMessage)
	c := newConn(ws, a.cfg)
	c.req = r
	v := r.URL.Query().Get("v")
	if v == protocolVersion {
		c.wire = newWireState(mode == websocket.CompressionContextTakeover && contextTakeover(w.Header()))
	}
	if !a.track(c) {
		c.close(CloseGoingAway, "server shutting down")
		c.wg.Wait()
		return
	}
	defer a.untrack(c)
	defer c.wait()
	if v != protocolVersion && v != strconv.Itoa(wireVersionOld) {
		// A page of another version of the client (one cached from
		// before a deploy): it reloads once, and gets this server's. A
		// client of version 2 is served in version 2.
		a.cfg.logger.Debug("live: refusing a client of another protocol version", "version", v)
		c.close(CloseSessionGone, "protocol version "+protocolVersion+" only: reload")
		return
	}

	var j join
	if !hasCookie {
		err = fmt.Errorf("%w: no browser cookie", ErrBadReference)
	} else {
		j, err = a.join(r, secret)
	}
	var ls *liveSession[T]
	if err == nil && c.wire != nil && r.URL.Query().Has("url") {
		// The browser client names its page's URL: it holds the page
		// served, which gives the connection its bases (wirebase.go).
		// Before any batch is encoded for c.
		c.wire.page(a.served.take(j.pageRef, time.Now()), &a.served.bases)
		defer c.wire.releaseBases() // after leave: no batch is encoded for c then
	}
	if err == nil {
		c.ref = j.ref
		ls, err = a.hub.attach(a.r, j.token, c)
	}
	if err != nil {
		a.refuse(c, err)
		return
	}
	defer a.leave(ls, c)
	c.enqueue([]byte(`{"v":` + v + `}`)) // the ready message, in the client's version
	if j.ref != j.pageRef {
		c.enqueue(refMessage(j.ref))
	}
	if j.copyOf != "" {
		a.startFromCopy(c, ls, j.copyOf)
	}
	if j.resync {
		a.resync(c, ls)
	}
	if !a.connected(c, ls) {
		return
	}
	a.readLoop(c, ls)
}

// join is what the handshake decided: the session to attach to, the tab
// reference the page came with and the one it should hold from now on,
// whether it needs the whole page, and the session to copy the data of.
type join struct {
	token   string
	pageRef string
	ref     string
	resync  bool
	copyOf  string
}

func (a *App[T]) join(r *http.Request, secret []byte) (join, error) {
	q := r.URL.Query()
	pageRef := q.Get("ref")
	tok, err := openRef(secret, pageRef)
	if err != nil {
		return join{}, err
	}
	j := join{token: tok, pageRef: pageRef, ref: pageRef, resync: q.Has("resumed")}
	switch {
	case q.Has("fresh"):
		p, pr := a.route(r, q.Get("url"))
		if p == nil {
			return join{}, fmt.Errorf("%w: %q is not a page of this App", ErrBadReference, q.Get("url"))
		}
		tab, err := a.tabs.create(pr, secret, p.prepare)
		if err != nil {
			return join{}, err
		}
		j.token, j.ref, j.resync = tab.Token, tab.Ref, true
	case q.Get("prev") != "" && q.Get("prev") != pageRef:
		prev, err := openRef(secret, q.Get("prev"))
		if err != nil || !a.r.ValidateToken(prev) {
			return j, nil // the previous page's session is gone: keep this page's
		}
		if a.hub.connected(a.r, prev) {
			j.copyOf = prev
			return j, nil
		}
		ref, err := sealRef(secret, prev)
		if err != nil {
			return join{}, err
		}
		if err := a.r.InvalidateSession(tok); err != nil {
			a.cfg.logger.Debug("live: dropping a page's unused session", "err", err)
		}
		j.token, j.ref, j.resync = prev, ref, true
	}
	return j, nil
}

// refuse closes a connection whose session could not be opened.
func (a *App[T]) refuse(c *conn, err error) {
	if sessionGone(err) {
		a.cfg.logger.Debug("live: refusing a connection", "err", err)
		c.close(CloseSessionGone, "session gone")
		return
	}
	a.cfg.logger.Warn("live: refusing a connection", "err", err)
	c.close(websocket.StatusTryAgainLater, "session unavailable")
}

func (a *App[T]) readLoop(c *conn, ls *liveSession[T]) {
	// Handlers may Subscribe: their ctx knows the session's subscriptions.
	ctx, cancel := context.WithCancel(withScope(context.Background(), &scope{subs: sessionSubs[T]{a, ls}}))
	defer cancel()
	limit := newBucket(a.cfg.ratePerSec, a.cfg.rateBurst)
	for {
		typ, b, err := a.readMessage(ctx, c)
		if err != nil {
			switch code := websocket.CloseStatus(err); code {
			case websocket.StatusMessageTooBig:
				c.close(code, "message too big")
			case websocket.StatusGoingAway:
				c.pageClosed.Store(true) // the browser left the page
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
		err = a.dispatch(ctx, c, ls, msg)
		a.free(ls) // the pushes that waited for the action go on
		if sessionGone(err) || errors.Is(err, statetemplate.ErrSessionClosed) {
			return
		}
	}
}

// readMessage waits as long as it takes for the next message, then gives
// it WithReadTimeout to arrive in full: a message announced and never
// finished closes the connection instead of holding it open.
func (a *App[T]) readMessage(ctx context.Context, c *conn) (websocket.MessageType, []byte, error) {
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	typ, r, err := c.ws.Reader(mctx)
	if err != nil {
		return 0, nil, err
	}
	if d := a.cfg.readTimeout; d > 0 {
		t := time.AfterFunc(d, cancel)
		defer t.Stop()
	}
	b, err := io.ReadAll(r)
	if err != nil && mctx.Err() != nil && ctx.Err() == nil {
		a.cfg.logger.Warn("live: closing a connection whose message did not arrive in time (WithReadTimeout)")
	}
	return typ, b, err
}

// contextTakeover reports whether the handshake's answer h agreed on
// permessage-deflate with the server keeping its compression window.
func contextTakeover(h http.Header) bool {
	ext := h.Get("Sec-WebSocket-Extensions")
	return strings.Contains(ext, "permessage-deflate") && !strings.Contains(ext, "server_no_context_takeover")
}

// compressionMode returns the compression a new connection is offered,
// and the function that gives back its compression window when it ends:
// context takeover while fewer than WithCompressionWindows connections
// hold a window, else each message compressed on its own.
func (a *App[T]) compressionMode() (websocket.CompressionMode, func()) {
	mode := a.cfg.compression
	if mode != websocket.CompressionContextTakeover || a.cfg.windows == 0 {
		return mode, func() {}
	}
	if a.windows.Add(1) > int64(a.cfg.windows) {
		a.windows.Add(-1)
		return websocket.CompressionNoContextTakeover, func() {}
	}
	return mode, func() { a.windows.Add(-1) }
}
