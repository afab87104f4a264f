package live

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate"
)

// The close codes the client understands; see the package documentation.
const (
	// CloseSessionGone: the session is expired, invalidated or unknown, or
	// the tab reference does not open. The client reloads the page once.
	CloseSessionGone websocket.StatusCode = 4401
	// CloseGoingAway: the server is shutting down; the client reconnects.
	CloseGoingAway = websocket.StatusGoingAway
	// CloseSlowClient: the connection's send buffer overflowed or a write
	// timed out; the client reconnects and resynchronizes.
	CloseSlowClient = websocket.StatusTryAgainLater
	// CloseReplaced: a newer page of the same tab (a reload) took the
	// session over; the client does not reconnect.
	CloseReplaced websocket.StatusCode = 4409
)

// conn is one WebSocket connection. Messages for it go through a bounded
// queue drained by its own writer, so enqueue never blocks.
type conn struct {
	ws      *websocket.Conn
	out     chan outMsg
	timeout time.Duration
	logger  *slog.Logger
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup // writer and closer

	// ref is the tab reference of the page this connection serves, set
	// before the connection joins its session.
	ref string
	// req is the WebSocket handshake: the browser's headers and cookies,
	// which a page's params read on a navigation.
	req *http.Request
	// pageClosed is set when the browser closed the connection because it
	// left the page (close code 1001).
	pageClosed atomic.Bool

	// drained, when set, is called once the send queue has emptied: pushes
	// held back while this connection was behind go on (see push.go).
	drained  atomic.Pointer[func()]
	observer PushObserver

	// wire is what the client knows, for the short forms of version 4;
	// nil for a client of version 2. Batches are encoded for it, in the
	// order they are queued, under the session's lock.
	wire *wireState
}

// encode returns the wire form of updates for this connection, ending
// with the acknowledgment ack unless it is 0.
func (c *conn) encode(updates []statetemplate.Update, ack int64) ([]byte, error) {
	if c.wire != nil {
		return c.wire.encode(updates, ack)
	}
	return EncodeBatch(Batch{Updates: updates, Ack: ack})
}

// outMsg is one queued message; push is set on a push's updates, whose
// frame the PushObserver sees leave.
type outMsg struct {
	b    []byte
	push *pushMark
}

func newConn(ws *websocket.Conn, cfg *config) *conn {
	c := &conn{ws: ws, out: make(chan outMsg, cfg.sendBuffer), timeout: cfg.writeTimeout, logger: cfg.logger, done: make(chan struct{}), observer: cfg.pushObserver}
	c.wg.Add(1)
	go c.writeLoop()
	return c
}

// enqueue queues msg, or closes a connection that is too far behind. A
// nil msg is nothing to send.
func (c *conn) enqueue(msg []byte) { c.enqueueMsg(outMsg{b: msg}) }

func (c *conn) enqueueMsg(m outMsg) {
	if m.b == nil {
		return
	}
	select {
	case <-c.done:
	case c.out <- m:
	default:
		c.closeSlow("send buffer full")
	}
}

// closeSlow closes a connection whose page does not keep up (its send
// buffer overflowed, or a write outlasted the write timeout), with a
// warning: the page reconnects and resynchronizes.
func (c *conn) closeSlow(reason string) {
	select {
	case <-c.done:
		return // closing already
	default:
	}
	c.logger.Warn("live: a page does not keep up with its connection, which is closed (1013); it reconnects", "reason", reason)
	c.close(CloseSlowClient, reason)
}

// sendError queues an error reply for the browser.
func (c *conn) sendError(code, text, action string) {
	r := reply{}
	r.fail(code, text, action)
	c.enqueue(r.encode())
}

// writeLoop writes c's queued messages. A write that takes longer than
// c.timeout fails: the connection's watchdog closes the socket under it
// (see writeWatch).
func (c *conn) writeLoop() {
	defer c.wg.Done()
	// The watchdog says why before it closes the socket: once the socket
	// is closed, the reader's close may win the race and silence closeSlow.
	ww := newWriteWatch(c.timeout, func() {
		c.closeSlow(fmt.Sprintf("a write outlasted the write timeout (%v)", c.timeout))
		_ = c.ws.CloseNow()
	})
	defer ww.stop()
	for {
		select {
		case <-c.done:
			return
		case m := <-c.out:
			ww.begin()
			err := c.ws.Write(context.Background(), websocket.MessageText, m.b)
			if !ww.end() { // the watchdog closed the connection
				return
			}
			if err != nil { // the page went away
				c.close(CloseSlowClient, "write failed")
				return
			}
			if m.push != nil && c.observer != nil {
				c.observer(PushDelivery{Topic: m.push.topic, Published: m.push.published, Written: time.Now()})
			}
			if len(c.out) == 0 {
				if f := c.drained.Swap(nil); f != nil {
					(*f)()
				}
			}
		}
	}
}

// close starts closing the connection with code; the first call wins. It
// never blocks: the close handshake runs on its own goroutine, which makes
// the reader's pending Read return.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.once.Do(func() {
		close(c.done)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.ws.Close(code, reason)
		}()
	})
}

// wait closes the connection normally if nothing closed it yet, and waits
// for its goroutines.
func (c *conn) wait() {
	c.close(websocket.StatusNormalClosure, "")
	c.wg.Wait()
}
