package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/browsertest"
	"github.com/livefir/statetemplate/live"
)

// The end-to-end tests drive headless Chromium through package
// browsertest: with CI=true a missing browser fails the tests; otherwise
// they skip.

func chromePath(t *testing.T) string { return browsertest.ChromePath(t) }

func stopBrowser() { browsertest.Stop() }

// tab is one browser tab on the dashboard.
type tab struct {
	*browsertest.Tab
	t   *testing.T
	ctx context.Context
}

// newBrowserContext opens a tab in a fresh browser context: its own
// cookies, as a separate browser profile would have.
func newBrowserContext(t *testing.T) *tab {
	bt := browsertest.Start(t).NewTab(t)
	return &tab{Tab: bt, t: t, ctx: bt.Context()}
}

// sibling opens another tab in the same browser context as tb.
func (tb *tab) sibling() *tab {
	bt := tb.Sibling()
	return &tab{Tab: bt, t: tb.t, ctx: bt.Context()}
}

// do runs actions with a deadline.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	tb.Do(actions...)
}

// eval evaluates a JavaScript expression.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	return browsertest.Eval[T](tb.Tab, expr)
}

func evalVoid(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](expr)
}

// waitFor polls a JavaScript predicate; it survives a reload.
func (tb *tab) waitFor(expr string) {
	tb.t.Helper()
	tb.WaitFor(expr)
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
	tb.OnNewDocument(`document.addEventListener("DOMContentLoaded", () => { window.firstPaint = document.querySelector("#counter-display").textContent.trim() })`)
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
	var out []string
	for _, batch := range tb.Batches() {
		for _, u := range batch.Updates {
			out = append(out, u.Action)
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
	return startWith(t, config{tick: tick, pageRate: live.DefaultPageRate})
}

// startWith serves the dashboard with cfg, on a bolt file in t's temp dir,
// until t ends.
func startWith(t testing.TB, cfg config) string {
	t.Helper()
	cfg.db, cfg.logger = filepath.Join(t.TempDir(), "sessions.db"), testLogger()
	s, err := newServer(cfg)
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
