package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// server is the counter serving its bolt file on a fixed address, so that
// a restarted server is the same origin to the browser.
type server struct {
	t     *testing.T
	addr  string
	db    string
	close func()
}

func startServer(t *testing.T, addr, db string) *server {
	t.Helper()
	s := &server{t: t, addr: addr, db: db}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	app, r, err := newApp(s.db)
	require.NoError(s.t, err)
	l, err := net.Listen("tcp", s.addr)
	require.NoError(s.t, err)
	s.addr = l.Addr().String()
	hs := &http.Server{Handler: app}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(l) }()
	s.close = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(s.t, hs.Shutdown(ctx))
		require.NoError(s.t, app.Close())
		require.NoError(s.t, r.Close())
		require.True(s.t, errors.Is(<-done, http.ErrServerClosed))
	}
}

// stop stops the server; stopping a stopped server does nothing.
func (s *server) stop() {
	if s.close != nil {
		s.close()
		s.close = nil
	}
}

func (s *server) restart() {
	s.stop()
	s.start()
}

func (s *server) url() string { return "http://" + s.addr + "/" }

// firstPaint records what #count showed when the page was parsed, before
// the client connected: the state a reload shows at once.
const firstPaint = `document.addEventListener("DOMContentLoaded", () => { window.firstPaint = document.querySelector("#count").textContent })`

func open(t *testing.T, tab *browsertest.Tab, url string) {
	tab.OnNewDocument(firstPaint)
	tab.Navigate(url)
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
}

func click(tab *browsertest.Tab, n int, want string) {
	for range n {
		tab.Exec(`document.querySelector("[data-action=inc]").click()`)
	}
	tab.WaitFor(`document.querySelector("#count").textContent === "` + want + `"`)
}

// reload reloads the tab as its reload button does and waits for the
// page's session.
func reload(tab *browsertest.Tab) {
	tab.Exec(`window.before = true`)
	tab.Do(chromedp.Reload())
	tab.WaitFor(`!window.before && document.documentElement.dataset.stStatus === "open"`)
}

func TestReload_ShowsTheTabsStateAtOnce(t *testing.T) {
	s := startServer(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "c.db"))
	tab := browsertest.Start(t).NewTab(t)
	open(t, tab, s.url())
	click(tab, 3, "3")

	reload(tab)
	assert.Equal(t, "3", browsertest.Eval[string](tab, `window.firstPaint`), "the reloaded page is rendered with the tab's state")
	click(tab, 1, "4")

	reload(tab)
	reload(tab)
	assert.Equal(t, "4", browsertest.Eval[string](tab, `window.firstPaint`), "reload after reload keeps it")
}

func TestReload_AfterARestartShowsTheTabsState(t *testing.T) {
	s := startServer(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "c.db"))
	tab := browsertest.Start(t).NewTab(t)
	open(t, tab, s.url())
	click(tab, 2, "2")

	s.restart()
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`) // reconnected to the new process
	reload(tab)
	assert.Equal(t, "2", browsertest.Eval[string](tab, `window.firstPaint`))
	click(tab, 1, "3")
}

func TestNewTab_GetsItsOwnSession(t *testing.T) {
	s := startServer(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "c.db"))
	a := browsertest.Start(t).NewTab(t)
	open(t, a, s.url())
	click(a, 2, "2")

	b := a.Sibling() // same browser, same cookie, a new tab
	open(t, b, s.url())
	assert.Equal(t, "0", browsertest.Eval[string](b, `document.querySelector("#count").textContent`))
	click(b, 1, "1")
	reload(a)
	assert.Equal(t, "2", browsertest.Eval[string](a, `window.firstPaint`), "the tabs do not share a session")
}

func TestDuplicatedTab_StartsFromACopyAndGoesItsOwnWay(t *testing.T) {
	s := startServer(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "c.db"))
	a := browsertest.Start(t).NewTab(t)
	open(t, a, s.url())
	click(a, 3, "3")

	dup := a.Popup(`void window.open(location.href)`) // copies sessionStorage, as Duplicate does
	dup.WaitFor(`document.documentElement.dataset.stStatus === "open" && document.querySelector("#count").textContent === "3"`)
	click(dup, 2, "5")
	click(a, 1, "4")
	reload(dup)
	assert.Equal(t, "5", browsertest.Eval[string](dup, `window.firstPaint ?? document.querySelector("#count").textContent`))
	reload(a)
	assert.Equal(t, "4", browsertest.Eval[string](a, `window.firstPaint`), "two tabs never share one session")
}

// TestReload_Timing measures, over STATETEMPLATE_RELOADS reloads (default
// 5, for the test), the time from a reload until the tab's state is on
// screen (the page's DOMContentLoaded: the state is in its first render)
// and until its session is live again.
func TestReload_Timing(t *testing.T) {
	n := 5
	if v := os.Getenv("STATETEMPLATE_RELOADS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	s := startServer(t, "127.0.0.1:0", filepath.Join(t.TempDir(), "c.db"))
	tab := browsertest.Start(t).NewTab(t)
	open(t, tab, s.url())
	click(tab, 3, "3")
	var shown, live []float64
	for range n {
		reload(tab)
		require.Equal(t, "3", browsertest.Eval[string](tab, `window.firstPaint`))
		shown = append(shown, browsertest.Eval[float64](tab, `performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`))
		live = append(live, browsertest.Eval[float64](tab, `performance.now()`))
	}
	slices.Sort(shown)
	slices.Sort(live)
	t.Logf("%d reloads: state on screen after p50 %.1f ms (max %.1f ms); session live again after p50 %.1f ms (max %.1f ms)",
		n, shown[n/2], shown[n-1], live[n/2], live[n-1])
}
