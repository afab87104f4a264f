package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/integration"
	"github.com/livefir/statetemplate/live"
)

// The end-to-end tests drive Debian's chromium through chromedp. The binary
// comes from STATETEMPLATE_CHROME, else "chromium" on PATH. With CI=true a
// missing browser fails the tests; otherwise they skip.

var browser struct {
	once sync.Once
	ctx  context.Context
	err  error
	stop func()
}

func chromePath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("STATETEMPLATE_CHROME")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	integration.Missing(t, "chromium not found: install it (apt-get install -y chromium) or set STATETEMPLATE_CHROME")
	return ""
}

// startBrowser returns the shared headless browser, started once.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromePath(t)
	browser.once.Do(func() {
		dir, err := os.MkdirTemp("", "statetemplate-chrome-")
		if err != nil {
			browser.err = err
			return
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1200, 1000),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.Flag("disable-background-timer-throttling", true),
			chromedp.Flag("disable-renderer-backgrounding", true),
			chromedp.Flag("disable-backgrounding-occluded-windows", true),
			chromedp.Flag("metrics-recording-only", true),
		)
		ctx, cancel := chromedp.NewContext(alloc)
		browser.err = chromedp.Do(ctx) // starts the browser
		browser.ctx = ctx
		browser.stop = func() {
			cancel()
			cancelAlloc()
			os.RemoveAll(dir)
		}
	})
	require.NoError(t, browser.err, "starting chromium")
	return browser.ctx
}

func stopBrowser() {
	if browser.stop != nil {
		browser.stop()
	}
}

// tab is one browser tab on the dashboard.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu     sync.Mutex
	frames [][]byte // WebSocket messages received, in order
}

// newBrowserContext opens a tab in a fresh browser context: its own
// cookies, as a separate browser profile would have.
func newBrowserContext(t *testing.T) *tab {
	ctx, cancel := chromedp.NewContext(startBrowser(t), chromedp.WithNewBrowserContext())
	return openTab(t, ctx, cancel)
}

// sibling opens another tab in the same browser context as tb.
func (tb *tab) sibling() *tab {
	ctx, cancel := chromedp.NewContext(tb.ctx)
	return openTab(tb.t, ctx, cancel)
}

func openTab(t *testing.T, ctx context.Context, cancel context.CancelFunc) *tab {
	tb := &tab{t: t, ctx: ctx}
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventWebSocketFrameReceived); ok && e.Response != nil {
			tb.mu.Lock()
			tb.frames = append(tb.frames, append([]byte(nil), e.Response.PayloadData...))
			tb.mu.Unlock()
		}
	}))
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			tb.saveArtifacts()
		}
		cancel()
	})
	return tb
}

// saveArtifacts writes a screenshot and the page's HTML for a failed test.
func (tb *tab) saveArtifacts() {
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
	tb.t.Logf("e2e artifacts (screenshot, HTML) saved in %s as %s.*", dir, name)
}

// do runs actions with a deadline.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	require.NoError(tb.t, chromedp.Do(ctx, actions...))
}

// eval evaluates a JavaScript expression.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(tb.t, err, expr)
	return v
}

func evalVoid(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](expr)
}

// waitFor polls a JavaScript predicate. Interval polling, not rAF, so that
// background tabs are polled too.
func (tb *tab) waitFor(expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
		// A navigation (a reload) destroys the context the poll ran in.
		if err != nil && strings.Contains(err.Error(), "Cannot find context") && ctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		require.NoError(tb.t, err, "waiting for %s", expr)
		return
	}
}

// open loads the dashboard and waits for its WebSocket.
func (tb *tab) open(url string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(url))
	tb.waitConnected()
}

// reload reloads the page as the reload button does and waits for its
// session; window.firstPaint is the counter the page showed when parsed.
func (tb *tab) reload() {
	tb.do(chromedp.Evaluate[chromedp.Void](`window.before = true`))
	_, err := chromedp.Call(tb.ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("DOMContentLoaded", () => { window.firstPaint = document.querySelector("#counter-display").textContent.trim() })`})
	require.NoError(tb.t, err)
	tb.do(chromedp.Reload())
	tb.waitFor(`!window.before && document.documentElement.dataset.stStatus === "open"`)
}

func (tb *tab) waitConnected() {
	tb.t.Helper()
	tb.waitFor(`document.documentElement.dataset.stStatus === "open"`)
}

func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do(chromedp.Click(chromedp.CSS(sel)))
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, sel))
}

func (tb *tab) exists(sel string) bool {
	tb.t.Helper()
	return eval[bool](tb, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
}

// taskIDs returns the ids of the task rows in DOM order.
func (tb *tab) taskIDs() []string {
	tb.t.Helper()
	return eval[[]string](tb, `[...document.querySelectorAll("#task-list > [id^='task-']")].map(e => e.id)`)
}

// addTask submits the add-task form and waits for the row to appear.
func (tb *tab) addTask(title, priority string) {
	tb.t.Helper()
	before := len(tb.taskIDs())
	tb.do(
		chromedp.SetValue(chromedp.CSS("#new-task-priority"), priority),
		chromedp.SendKeys(chromedp.CSS("#new-task-title"), title),
		chromedp.Click(chromedp.CSS("#add-task")),
	)
	tb.waitFor(fmt.Sprintf(`document.querySelectorAll("#task-list > [id^='task-']").length === %d`, before+1))
}

// updateActions returns the actions of every update received so far.
func (tb *tab) updateActions() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for _, f := range tb.frames {
		var batch []struct {
			Action string `json:"action"`
			IsNoOp bool   `json:"is_noop"`
		}
		if json.Unmarshal(f, &batch) != nil {
			continue
		}
		for _, u := range batch {
			if !u.IsNoOp {
				out = append(out, u.Action)
			}
		}
	}
	return out
}

// freePort returns a TCP address on localhost that is free now.
func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startInProcess serves the dashboard on a bolt file in t's temp dir.
func startInProcess(t *testing.T, tick time.Duration) string {
	t.Helper()
	s, err := newServer(config{db: filepath.Join(t.TempDir(), "sessions.db"), tick: tick, pageRate: live.DefaultPageRate, logger: testLogger()})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, s.shutdown(ctx))
		require.NoError(t, <-done)
	})
	return "http://" + l.Addr().String() + "/"
}
