package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livefir/statetemplate"
)

// ActionFunc applies one browser action to a session's data, in place.
// Return an error before mutating data to reject the action: the browser
// gets an "action_failed" message and the page is not updated.
type ActionFunc[T any] func(ctx context.Context, data T, msg Message) error

// App serves one live page backed by a Renderer: the page, the browser
// client and the WebSocket loop. T is the session data's type, a pointer
// such as *DashboardData, since actions mutate it in place.
type App[T any] struct {
	r        *statetemplate.Renderer
	cfg      *config
	tabs     *tabs
	hub      hub[T]
	uploads  uploads
	browsers browserConns
	windows  atomic.Int64 // connections holding a compression window (WithCompressionWindows)
	push     pusher[T]    // topics, push workers, broker (push.go)
	served   servedPages  // pages waiting for their connection (wirepage.go)

	mu      sync.RWMutex
	actions map[string]ActionFunc[T]
	pages   []page[T]      // guarded by mu until the mux is built
	mux     *http.ServeMux // set once, by routes
	muxOnce sync.Once

	conns   sync.WaitGroup
	closeMu sync.Mutex
	closed  bool
	open    map[*conn]struct{} // guarded by closeMu
}

// New returns an App for r whose sessions start with the data init returns
// for the page request.
func New[T any](r *statetemplate.Renderer, init func(*http.Request) (T, error), opts ...Option) (*App[T], error) {
	if r == nil || init == nil {
		return nil, errors.New("live: New needs a Renderer and an init function")
	}
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Pointer {
		return nil, fmt.Errorf("live: data type %v must be a pointer, since actions mutate it in place", t)
	}
	// A durable store restores sessions of this type: register it, so the
	// app need not name it twice (WithDataTypes).
	sample := reflect.Zero(t).Interface()
	if err := r.RegisterDataTypes(sample); err != nil {
		return nil, err
	}
	if err := r.CheckData("", sample); err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	a := &App[T]{
		r:       r,
		cfg:     newConfig(opts),
		actions: make(map[string]ActionFunc[T]),
		open:    make(map[*conn]struct{}),
	}
	a.served.bases.limit, a.served.bases.logger = a.cfg.pageBases, a.cfg.logger
	a.hub.init(a.cfg, a.free)
	a.uploads.init(a.cfg)
	a.browsers.init(a.cfg.maxConnsBrowser)
	a.tabs = newTabs(r, func(req *http.Request) (any, error) { return init(req) }, a.cfg)
	if a.cfg.broker != nil {
		link, err := newBrokerLink(a.cfg.broker, a.cfg.logger, a.receive)
		if err != nil {
			return nil, fmt.Errorf("live: subscribing to the broker: %w", err)
		}
		a.push.link = link
	}
	return a, nil
}

// Handle registers fn for the action name. It panics on an empty name, a
// name starting with "_" (reserved) or a duplicate, as http.Handle does.
func (a *App[T]) Handle(name string, fn ActionFunc[T]) {
	if name == "" || strings.HasPrefix(name, "_") || len(name) > maxActionLen {
		panic(fmt.Sprintf("live: invalid action name %q", name))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, dup := a.actions[name]; dup {
		panic(fmt.Sprintf("live: action %q registered twice", name))
	}
	a.actions[name] = fn
}

// ServeHTTP routes the pages, the WebSocket endpoint and the client
// script.
func (a *App[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.routes().ServeHTTP(w, r)
}

func (a *App[T]) servePage(w http.ResponseWriter, r *http.Request) {
	tab, _ := TabFromContext(r.Context())
	html, err := a.r.RenderPage(tab.Token)
	if err != nil {
		a.cfg.logger.Warn("live: rendering the page", "err", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	// The page kept for the tab's connection is the page as served: the
	// script tag is in the browser's DOM too (inside an element a page
	// without </head> and </body> leaves open).
	html = InjectScript(html, tab.ScriptTag(a.cfg.scriptPath, a.cfg.socketPath))
	a.served.put(tab.Ref, html, time.Now())
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(html))
}

// Connections returns the number of open WebSocket connections.
func (a *App[T]) Connections() int {
	a.closeMu.Lock()
	defer a.closeMu.Unlock()
	return len(a.open)
}

// Close closes every connection with CloseGoingAway, so that browsers
// reconnect to the next server, waits for them to end and refuses new
// ones. Publish, PushTo and UpdateAll fail with ErrAppClosed from the
// moment Close is called; publishes already queued for the broker are
// sent for up to two seconds, and the App leaves the broker. Call it after http.Server.Shutdown (which does not track
// WebSockets) and before closing the Renderer.
func (a *App[T]) Close() error {
	a.closePush()
	a.closeMu.Lock()
	a.closed = true
	for c := range a.open {
		c.close(CloseGoingAway, "server shutting down")
	}
	a.closeMu.Unlock()
	a.conns.Wait()
	a.hub.wait()
	a.stopPush()
	a.uploads.close()
	return nil
}

// track registers c, or reports that the App is closed.
func (a *App[T]) track(c *conn) bool {
	a.closeMu.Lock()
	defer a.closeMu.Unlock()
	if a.closed {
		return false
	}
	a.open[c] = struct{}{}
	a.conns.Add(1)
	return true
}

func (a *App[T]) untrack(c *conn) {
	a.closeMu.Lock()
	delete(a.open, c)
	a.closeMu.Unlock()
	a.conns.Done()
}
