package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// childEnv makes the test binary run main() with the flags it holds, so
// the restart test can run the real server as a separate process.
const childEnv = "DASHBOARD_E2E_SERVE"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		os.Args = append([]string{"dashboard"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	code := m.Run()
	stopBrowser()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func testLogger() *slog.Logger {
	if os.Getenv("STATETEMPLATE_E2E_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

func TestE2E_CounterToMaxDisablesIncrement(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startInProcess(t, 0))

	assert.True(t, eval[bool](tb, `document.querySelector("#decrement").disabled`), "decrement is disabled at 0")
	for i := 1; i <= 10; i++ {
		tb.click("#increment")
		tb.waitFor(fmt.Sprintf(`document.querySelector("#counter-display").textContent.trim() === "%d"`, i))
	}
	tb.waitFor(`document.querySelector("#increment").disabled`)
	assert.Contains(t, tb.text("#increment"), "(Max Reached)")
	assert.False(t, eval[bool](tb, `document.querySelector("#decrement").disabled`))
	assert.Equal(t, 5, eval[int](tb, `document.querySelectorAll("#counter-history li").length`), "history keeps the last five")
}

func TestE2E_AddTasksInsertsInPriorityOrder(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startInProcess(t, 0))
	require.Equal(t, []string{"task-1", "task-2"}, tb.taskIDs())

	tb.addTask("Alpha", "low")    // after every task: appended
	tb.addTask("Bravo", "medium") // after task-2, before Alpha
	tb.addTask("Charlie", "high") // after task-1
	assert.Equal(t, []string{"task-1", "task-5", "task-2", "task-4", "task-3"}, tb.taskIDs())
	assert.Equal(t, "Tasks (5 total)", tb.text("#tasks-title"))
	assert.Equal(t, "Charlie", tb.text("#task-5 label"))

	actions := tb.updateActions()
	assert.Contains(t, actions, "append", "the last task arrives as an append: %v", actions)
	assert.Contains(t, actions, "insertAfter", "a middle task arrives as an insertAfter: %v", actions)
	assert.Equal(t, "", eval[string](tb, `document.querySelector("#new-task-title").value`), "the form is reset")

	if os.Getenv("STATETEMPLATE_UPDATE_SCREENSHOT") != "" {
		shot, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		_, err = png.Decode(bytes.NewReader(shot))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("..", "..", "docs", "dashboard.png"), shot, 0o644))
	}
}

func TestE2E_ToggleDeleteAndFilterTasks(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startInProcess(t, 0))

	tb.click("#task-check-2")
	tb.waitFor(`document.querySelector("#task-2").classList.contains("completed")`)
	assert.True(t, eval[bool](tb, `document.querySelector("#task-check-2").checked`))

	tb.click("#task-delete-1")
	tb.waitFor(`!document.querySelector("#task-1")`)
	assert.Equal(t, []string{"task-2"}, tb.taskIDs())
	tb.addTask("Open task", "medium")

	tb.click("#toggle-filter")
	tb.waitFor(`!document.querySelector("#task-2")`)
	assert.Equal(t, []string{"task-3"}, tb.taskIDs(), "completed tasks are hidden")
	assert.Equal(t, "Show All", tb.text("#toggle-filter"))
	assert.Equal(t, "Tasks (2 total)", tb.text("#tasks-title"))

	tb.click("#toggle-filter")
	tb.waitFor(`!!document.querySelector("#task-2")`)
	assert.Equal(t, []string{"task-2", "task-3"}, tb.taskIDs())

	tb.click("#notification-welcome button")
	tb.waitFor(`!document.querySelector("#notification-welcome")`)
	assert.Contains(t, tb.text("#notification-count"), "1 new notifications")
}

func TestE2E_TypingKeepsFocusAndValueDuringServerPushes(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startInProcess(t, 100*time.Millisecond))

	ticks := func() int { return eval[int](tb, `+document.querySelector("#last-update").dataset.ticks`) }
	tb.do(chromedp.Click(chromedp.CSS("#new-task-title")))
	start := ticks()
	typed := ""
	for _, word := range []string{"pushes ", "do not ", "steal ", "focus"} {
		tb.do(chromedp.SendKeys(chromedp.CSS("#new-task-title"), word))
		typed += word
		tb.do(chromedp.Sleep(150 * time.Millisecond))
	}
	// A full re-render (what a reconnect does) morphs the whole body too.
	tb.do(chromedp.Evaluate[chromedp.Void](`statetemplate.send("_resync")`))
	tb.waitFor(fmt.Sprintf(`+document.querySelector("#last-update").dataset.ticks >= %d`, start+5))
	tb.do(chromedp.SendKeys(chromedp.CSS("#new-task-title"), "!"))
	typed += "!"
	require.GreaterOrEqual(t, ticks()-start, 5, "the server pushed while typing")

	assert.Equal(t, "new-task-title", eval[string](tb, `document.activeElement.id`))
	assert.Equal(t, typed, eval[string](tb, `document.querySelector("#new-task-title").value`))
	assert.Equal(t, len(typed), eval[int](tb, `document.querySelector("#new-task-title").selectionStart`), "the caret stays at the end")
}

func TestE2E_SlowWorkShowsTheLoadingOverlayUntilAPushEndsIt(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startInProcess(t, 100*time.Millisecond))
	overlayShown := `getComputedStyle(document.querySelector("#loading-overlay")).display !== "none"`
	require.False(t, eval[bool](tb, overlayShown))
	tb.click("#slow-work")
	tb.waitFor(overlayShown)
	assert.Contains(t, tb.text("#loading-overlay"), "Crunching numbers")
	tb.waitFor("!(" + overlayShown + ")")
}

func TestE2E_TabsAndBrowserContextsAreIsolated(t *testing.T) {
	url := startInProcess(t, 0)
	a1 := newBrowserContext(t)
	a1.open(url)
	a2 := a1.sibling()
	a2.open(url)
	b := newBrowserContext(t)
	b.open(url)

	for i := 1; i <= 3; i++ {
		a1.click("#increment")
		a1.waitFor(fmt.Sprintf(`document.querySelector("#counter-display").textContent.trim() === "%d"`, i))
	}
	a2.addTask("Only in A2", "high")
	b.click("#notification-backup button")
	b.waitFor(`!document.querySelector("#notification-backup")`)

	assert.Equal(t, "3", a1.text("#counter-display"))
	assert.Equal(t, "0", a2.text("#counter-display"))
	assert.Equal(t, "0", b.text("#counter-display"))
	assert.False(t, a1.exists("#task-3"))
	assert.True(t, a2.exists("#task-3"))
	assert.False(t, b.exists("#task-3"))
	assert.True(t, a1.exists("#notification-backup"))
	assert.True(t, a2.exists("#notification-backup"))

	names := []string{a1.text("#tab-name"), a2.text("#tab-name"), b.text("#tab-name")}
	assert.NotEqual(t, names[0], names[1])
	assert.NotEqual(t, names[0], names[2])
	for _, tb := range []*tab{a1, a2, b} {
		assert.NotContains(t, eval[string](tb, `document.cookie`), "st_browser", "the browser cookie is HttpOnly")
	}
}

func TestE2E_RestartOnTheSameFileResumesTheOpenPage(t *testing.T) {
	chromePath(t)
	addr := freePort(t)
	db := filepath.Join(t.TempDir(), "sessions.db")
	srv := startChild(t, addr, db)

	tb := newBrowserContext(t)
	tb.open("http://" + addr + "/")
	tb.do(chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	tb.click("#increment")
	tb.waitFor(`document.querySelector("#counter-display").textContent.trim() === "1"`)
	tb.addTask("Survives restarts", "high")
	tb.click("#task-check-2")
	tb.waitFor(`document.querySelector("#task-2").classList.contains("completed")`)

	srv.stop(t)
	tb.waitFor(`document.documentElement.dataset.stStatus === "closed"`)
	startChild(t, addr, db)
	tb.waitConnected()

	assert.True(t, eval[bool](tb, `window.notReloaded === true`), "the page reconnected without reloading")
	assert.Equal(t, "1", tb.text("#counter-display"))
	assert.Equal(t, "Survives restarts", tb.text("#task-3 label"))
	tb.click("#increment")
	tb.waitFor(`document.querySelector("#counter-display").textContent.trim() === "2"`)
	tb.click("#task-delete-1")
	tb.waitFor(`!document.querySelector("#task-1")`)
	assert.Equal(t, []string{"task-3", "task-2"}, tb.taskIDs())
	assert.True(t, eval[bool](tb, `document.querySelector("#task-2").classList.contains("completed")`))

	tb.reload() // after the restart, a reload shows the tab's state too
	assert.Equal(t, "2", eval[string](tb, `window.firstPaint`))
	assert.Equal(t, []string{"task-3", "task-2"}, tb.taskIDs())
}

func TestE2E_ReloadKeepsTheTabsStateAndANewTabStartsAnew(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startInProcess(t, 0))
	tab := eval[string](tb, `document.querySelector("#tab-name").textContent`)
	tb.click("#increment")
	tb.waitFor(`document.querySelector("#counter-display").textContent.trim() === "1"`)
	tb.addTask("Kept over reloads", "low")
	tb.click("#toggle-filter")
	tb.waitFor(`document.querySelector("#toggle-filter").textContent === "Show All"`)

	tb.reload()
	assert.Equal(t, "1", eval[string](tb, `window.firstPaint`), "the page comes back as it was, at once")
	assert.Equal(t, tab, eval[string](tb, `document.querySelector("#tab-name").textContent`), "the same session")
	assert.Equal(t, "Show All", tb.text("#toggle-filter"), "filters too")
	assert.Equal(t, "Kept over reloads", tb.text("#task-3 label"))

	// A tab opened right after the reload does not pick up the resume
	// cookie the reloaded page's pagehide left: its very first paint is a
	// new session's.
	other := tb.sibling()
	other.OnNewDocument(`document.addEventListener("DOMContentLoaded", () => { window.firstPaint = document.querySelector("#counter-display").textContent.trim() })`)
	other.open(strings.TrimSuffix(eval[string](tb, `location.href`), "/") + "/")
	assert.Equal(t, "0", eval[string](other, `window.firstPaint`), "a new tab's first paint is its own session's")
	assert.NotEqual(t, tab, eval[string](other, `document.querySelector("#tab-name").textContent`), "a new tab gets its own session")
	assert.Equal(t, "0", other.text("#counter-display"))
}

// child is a dashboard server process.
type child struct {
	cmd  *exec.Cmd
	done chan error
}

// startChild runs the dashboard in a new process (this test binary in
// server mode) and waits for it to print its URL.
func startChild(t *testing.T, addr, db string, flags ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=-addr "+addr+" -db "+db+" -tick 0 "+strings.Join(flags, " "))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	c := &child{cmd: cmd, done: make(chan error, 1)}
	lines := bufio.NewReader(out)
	line, err := lines.ReadString('\n')
	require.NoError(t, err, "the server printed nothing")
	require.Contains(t, line, "serving http://"+addr+"/")
	go func() {
		io.Copy(io.Discard, lines)
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() { c.stop(t) })
	return c
}

// stop sends SIGTERM and waits for a clean exit.
func (c *child) stop(t *testing.T) {
	if c.cmd.ProcessState != nil || c.done == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		assert.NoError(t, err, "the server exits cleanly on SIGTERM")
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
		t.Error("the server did not exit within 15s of SIGTERM")
	}
	c.done = nil
}
