package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gets counts the get records (g, or G by reference) among the frames a
// tab received: html built from an element's outerHTML.
func gets(frames [][]byte) int {
	n := 0
	for _, f := range frames {
		if len(f) == 0 || f[0] == '{' {
			continue
		}
		n += bytes.Count(f, []byte("\x1eg")) + bytes.Count(f, []byte("\x1eG"))
	}
	return n
}

// taskList is the task list's outerHTML: the rows, their leads, and what
// the morph kept.
func taskList(tb *tab) string {
	return eval[string](tb, `document.getElementById("task-list").outerHTML`)
}

// A cold insert — the first on a fresh connection — is sent as the html of
// its neighbour row, which came with the page, spliced (a get record): in
// Chromium the page it gives is the page a fresh load of the same state
// gives.
func TestClient_ColdInsertBuiltFromItsNeighbourEqualsAFreshLoad(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startWith(t, config{tasks: 50}) + "/")
	tb.waitConnected()
	tb.addTask("Review the quarterly figures", "medium")
	tb.addTask("Send the minutes", "high")
	require.GreaterOrEqual(t, gets(tb.Received()), 2, "both inserts built from a base")
	got := taskList(tb)
	tb.reload()
	assert.Equal(t, taskList(tb), got, "the inserted rows as a fresh load has them")
	assert.Contains(t, got, "Send the minutes")
}

// When page script changed the element a get record builds from, the
// checksum fails: the client applies nothing more, asks for the whole
// page, and ends on the page a fresh load gives; the server then builds
// no more html from bases on that connection.
func TestClient_AGetWhoseBaseChangedEndsInAResync(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startWith(t, config{tasks: 50}) + "/")
	tb.waitConnected()
	// The rows, the one the new task goes after among them, changed where
	// the server cannot see.
	tb.do(evalVoid(`document.querySelectorAll("#task-list > [id^='task-']").forEach(e => e.classList.add("mine"))`))
	tb.do(
		chromedp.SetValue(chromedp.CSS("#new-task-priority"), "medium"),
		chromedp.SendKeys(chromedp.CSS("#new-task-title"), "Review the quarterly figures"),
		chromedp.Click(chromedp.CSS("#add-task")),
	)
	tb.waitFor(`!document.querySelector("#task-list .mine")`) // the resync replaced the body
	require.Equal(t, 1, gets(tb.Received()), "one get record, which failed")
	resyncs := 0
	for _, f := range tb.Received() {
		resyncs += bytes.Count(f, []byte("\x1er\x1f<body"))
	}
	assert.Equal(t, 1, resyncs, "the whole page, once")

	tb.addTask("Send the minutes", "high")
	assert.Equal(t, 1, gets(tb.Received()), "no more gets on the connection")
	got := taskList(tb)
	tb.reload()
	assert.Equal(t, taskList(tb), got)
	assert.Contains(t, got, "Review the quarterly figures")
}

// resyncs counts the client's requests for the whole page.
func resyncs(tb *tab) int {
	n := 0
	for _, f := range tb.Sent() {
		n += bytes.Count(f, []byte(`"_resync"`))
	}
	return n
}

// A get whose base holds the element just clicked — which carries the
// client's data-st-loading while its action's batch applies — builds from
// the element without the client's marks, as the server predicts it: the
// increment button that reaches the maximum is a get of itself, and no
// resync is asked for.
func TestClient_AGetOfTheClickedElementIgnoresTheClientsMarks(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startWith(t, config{tasks: 5}) + "/")
	tb.waitConnected()
	for i := 1; i <= 10; i++ {
		tb.click("#increment")
		tb.waitFor(fmt.Sprintf(`document.getElementById("counter-display").textContent.trim() === "%d" && !document.querySelector("[data-st-loading]")`, i))
	}
	tb.waitFor(`document.getElementById("increment").disabled`)
	assert.Zero(t, resyncs(tb), "no get failed")
	last := tb.Received()
	require.NotEmpty(t, last)
	inc := 0
	for _, f := range last {
		if bytes.Contains(f, []byte("(Max Reached)")) {
			inc++
			assert.Regexp(t, "\x1e[gG][^\x1e]*\x1f\\(Max Reached\\)", string(f), "the button at its maximum as a get of itself")
		}
	}
	require.Equal(t, 1, inc)
	got := eval[string](tb, `document.getElementById("counter-section").outerHTML`)
	tb.reload()
	assert.Equal(t, eval[string](tb, `document.getElementById("counter-section").outerHTML`), got)
}

// checkedSplices counts the splices of the element id's text that came
// with the page among the frames a tab received: p records with a fourth
// field, the checksum of the text they build.
func checkedSplices(frames [][]byte, id string) int {
	re := regexp.MustCompile("\x1ep" + regexp.QuoteMeta(id) + "\x1f[0-9]+\x1f[0-9]+\x1f[^\x1e\x1f]*\x1f-?[0-9]+(\x1e|$)")
	n := 0
	for _, f := range frames {
		if len(f) > 0 && f[0] != '{' {
			n += len(re.FindAll(f, -1))
		}
	}
	return n
}

// The heading's text came with the page: a cold insert splices it with the
// checksum of the text it builds, which the client verifies. In Chromium
// the heading ends as a fresh load has it, with no resync.
func TestClient_APageTextSpliceAppliesExactly(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startWith(t, config{tasks: 50}) + "/")
	tb.waitConnected()
	tb.addTask("Review the quarterly figures", "medium")
	require.Equal(t, 1, checkedSplices(tb.Received(), "tasks-title"), "the heading as a checked splice")
	got := tasksTitle(tb)
	assert.Zero(t, resyncs(tb), "the checksum matched")
	tb.reload()
	assert.Equal(t, tasksTitle(tb), got, "the heading as a fresh load has it")
	assert.Equal(t, "Tasks (51 total)", got)
}

// When page script changed a text that came with the page, the checksum of
// the text its splice builds fails: the client applies nothing more, asks
// for the whole page once, and ends on the page a fresh load gives; the
// server then predicts nothing more on the connection.
func TestClient_APageTextSpliceWhoseChecksumFailsEndsInAResync(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startWith(t, config{tasks: 50}) + "/")
	tb.waitConnected()
	addTaskAfterScriptRetitled(tb, "Aufgaben (50 insgesamt)")
	require.Equal(t, 1, checkedSplices(tb.Received(), "tasks-title"), "the heading as a checked splice, which failed")
	assert.Equal(t, 1, resyncs(tb), "the whole page, once")

	tb.addTask("Send the minutes", "high")
	assert.Equal(t, 1, checkedSplices(tb.Received(), "tasks-title"), "no more page-text splices on the connection")
	got, list := tasksTitle(tb), taskList(tb)
	tb.reload()
	assert.Equal(t, tasksTitle(tb), got)
	assert.Equal(t, taskList(tb), list)
	assert.Equal(t, "Tasks (52 total)", got)
}

// A text that came with the page, which page script changed (a hook that
// formats it on load, say), ends as a fresh load has it when the app
// changes it: through one resync when it went as a checked splice (its
// checksum fails), or whole.
func TestClient_APageTextPageScriptChangedEndsAsAFreshLoad(t *testing.T) {
	tb := newBrowserContext(t)
	tb.open(startWith(t, config{tasks: 5}) + "/")
	tb.waitConnected()
	addTaskAfterScriptRetitled(tb, "Aufgaben (5 insgesamt)")
	got := tasksTitle(tb)
	assert.Equal(t, checkedSplices(tb.Received(), "tasks-title"), resyncs(tb), "a resync for each checked splice, which fails")
	tb.reload()
	assert.Equal(t, tasksTitle(tb), got, "the heading as a fresh load has it")
	assert.Equal(t, "Tasks (6 total)", got)
}

// tasksTitle is the task list's heading as the tab shows it.
func tasksTitle(tb *tab) string {
	return eval[string](tb, `document.getElementById("tasks-title").textContent`)
}

// addTaskAfterScriptRetitled has page script change the tasks heading to
// title where the server cannot see it, adds a task, and waits until the
// heading is the server's again.
func addTaskAfterScriptRetitled(tb *tab, title string) {
	tb.do(evalVoid(`document.getElementById("tasks-title").textContent = ` + strconv.Quote(title)))
	tb.addTask("Review the quarterly figures", "medium")
	tb.waitFor(`document.getElementById("tasks-title").textContent.startsWith("Tasks (")`)
}
