package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// Timeout bounds every action, wait and evaluation of a Tab.
const Timeout = 15 * time.Second

// Tab is one browser tab, closed when its test ends.
type Tab struct {
	t   testing.TB
	ctx context.Context

	mu         sync.Mutex
	received   [][]byte
	sent       [][]byte
	handshakes []http.Header
	exceptions []string
	docs       []*document // the pages loaded, in order
}

// document is a page the tab loaded: its html as served, once fetched,
// and how many frames the tab had received when its response came.
type document struct {
	at       int
	html     chan string
	fetching bool
	id       network.RequestID
}

// fetch reads the document's body from the browser.
func (d *document) fetch(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	r, _ := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: d.id})
	d.html <- string(r.Body) // "" when the browser no longer has it
}

// NewTab opens a tab in a new browser context: its own cookies and
// storage, as a separate browser profile would have.
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	return open(t, ctx, cancel)
}

// Sibling opens another tab in tb's browser context: it shares tb's
// cookies, as a second tab of one browser does.
func (tb *Tab) Sibling() *Tab {
	tb.t.Helper()
	ctx, cancel := chromedp.NewContext(tb.ctx)
	return open(tb.t, ctx, cancel)
}

func open(t testing.TB, ctx context.Context, cancel context.CancelFunc) *Tab {
	t.Helper()
	tb := &Tab{t: t, ctx: ctx}
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventWebSocketFrameReceived:
			tb.record(&tb.received, e.Response)
		case *network.EventWebSocketFrameSent:
			tb.record(&tb.sent, e.Response)
		case *network.EventWebSocketHandshakeResponseReceived:
			h := http.Header{}
			if e.Response != nil {
				for k, v := range e.Response.Headers {
					h.Add(k, fmt.Sprint(v))
				}
			}
			tb.mu.Lock()
			tb.handshakes = append(tb.handshakes, h)
			tb.mu.Unlock()
		case *network.EventResponseReceived:
			if e.Type == network.ResourceTypeDocument {
				tb.mu.Lock()
				tb.docs = append(tb.docs, &document{at: len(tb.received), html: make(chan string, 1), id: e.RequestID})
				tb.mu.Unlock()
			}
		case *network.EventLoadingFinished:
			tb.mu.Lock()
			var d *document
			if n := len(tb.docs); n > 0 && !tb.docs[n-1].fetching && tb.docs[n-1].id == e.RequestID {
				d = tb.docs[n-1]
				d.fetching = true
			}
			tb.mu.Unlock()
			if d != nil {
				go d.fetch(ctx)
			}
		case *runtime.EventExceptionThrown:
			tb.mu.Lock()
			tb.exceptions = append(tb.exceptions, describe(e.ExceptionDetails))
			tb.mu.Unlock()
		}
	}))
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err, "opening a tab")
	t.Cleanup(func() {
		if t.Failed() {
			tb.SaveArtifacts()
		}
		cancel()
	})
	return tb
}

func (tb *Tab) record(to *[][]byte, f *network.WebSocketFrame) {
	if f == nil || f.Opcode != 1 { // text frames only
		return
	}
	tb.mu.Lock()
	*to = append(*to, []byte(f.PayloadData))
	tb.mu.Unlock()
}

// Context is the tab's chromedp context, for actions this package does
// not wrap. Bound what you run on it with a timeout.
func (tb *Tab) Context() context.Context { return tb.ctx }

// Received returns the text frames the page's WebSockets received so far.
func (tb *Tab) Received() [][]byte { return tb.frames(&tb.received) }

// Sent returns the text frames the page's WebSockets sent so far.
func (tb *Tab) Sent() [][]byte { return tb.frames(&tb.sent) }

func (tb *Tab) frames(from *[][]byte) [][]byte {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([][]byte(nil), *from...)
}

// Handshakes returns the response headers of the page's WebSocket
// handshakes so far, in order.
func (tb *Tab) Handshakes() []http.Header {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]http.Header(nil), tb.handshakes...)
}

// Exceptions returns the uncaught JavaScript exceptions of the tab's pages
// so far.
func (tb *Tab) Exceptions() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.exceptions...)
}

func describe(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "exception"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d:%d)", s, d.URL, d.LineNumber+1, d.ColumnNumber+1)
}

// OnNewDocument makes js run in every page the tab loads from now on,
// before the page's own scripts.
func (tb *Tab) OnNewDocument(js string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, Timeout)
	defer cancel()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
	require.NoError(tb.t, err)
}

// Do runs actions, failing the test on an error or after Timeout.
func (tb *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, Timeout)
	defer cancel()
	require.NoError(tb.t, chromedp.Do(ctx, actions...))
}

// Navigate loads url and waits for its load event.
func (tb *Tab) Navigate(url string) {
	tb.t.Helper()
	tb.Do(chromedp.Navigate(url))
}

// Exec evaluates a JavaScript statement for its effect.
func (tb *Tab) Exec(js string) {
	tb.t.Helper()
	tb.Do(chromedp.Evaluate[chromedp.Void](js))
}

// Eval evaluates a JavaScript expression and decodes its JSON value.
func Eval[T any](tb *Tab, expr string) T {
	tb.t.Helper()
	v, err := TryEval[T](tb, expr)
	require.NoError(tb.t, err, expr)
	return v
}

// TryEval is Eval returning the error instead of failing the test.
func TryEval[T any](tb *Tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, Timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// WaitFor polls a JavaScript predicate until it holds, failing the test
// after Timeout. It polls on an interval rather than on animation frames,
// so background tabs are polled too, and survives a reload of the page.
func (tb *Tab) WaitFor(expr string) {
	tb.t.Helper()
	require.NoError(tb.t, tb.TryWaitFor(expr, Timeout), "waiting for %s", expr)
}

// TryWaitFor is WaitFor with a timeout of d, returning an error instead
// of failing the test.
func (tb *Tab) TryWaitFor(expr string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(d)))
		// A navigation (a reload) destroys the context the poll ran in.
		if err != nil && strings.Contains(err.Error(), "Cannot find context") && ctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		return err
	}
}

// SaveArtifacts writes a screenshot and the page's HTML for the test and
// logs where. Tabs call it themselves when their test fails.
func (tb *Tab) SaveArtifacts() {
	dir := os.Getenv("STATETEMPLATE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "statetemplate-e2e-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Logf("artifacts: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(tb.t.Name()) + fmt.Sprintf("-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		os.WriteFile(filepath.Join(dir, name+".html"), []byte(html), 0o644)
	}
	tb.t.Logf("browser artifacts (screenshot, HTML) saved in %s as %s.*", dir, name)
}
