package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

func startKanban(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	h, closeAll, err := newHandler(filepath.Join(dir, "k.db"), filepath.Join(dir, "files"))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		closeAll()
	})
	return srv.URL
}

func TestKanban_BoardsCardsAndNavigation(t *testing.T) {
	base := startKanban(t)
	tab := browsertest.Start(t).NewTab(t)
	tab.Navigate(base + "/")
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	tab.Exec(`window.samePage = true`)

	// A board name is required: the error shows at the field.
	tab.Exec(`document.querySelector("#new-board button").click()`)
	tab.WaitFor(`document.querySelector("[data-error-for=name]").textContent !== ""`)

	// Creating a board navigates to it, live.
	tab.Do(chromedp.SendKeys(chromedp.CSS("#new-board input[name=name]"), "Ops"))
	tab.Exec(`document.querySelector("#new-board button").click()`)
	tab.WaitFor(`location.pathname.startsWith("/boards/") && document.querySelector("#board-name")?.textContent === "Ops"`)
	assert.Equal(t, "Ops · Kanban", browsertest.Eval[string](tab, `document.title`))

	// Add a card with two labels; it lands in the first column and glows.
	tab.Do(chromedp.SendKeys(chromedp.CSS("#new-card input[name=title]"), "Rotate keys"))
	tab.Exec(`document.querySelectorAll("#new-card [name=labels]").forEach((c, i) => i < 2 && c.click());
		document.querySelector("#new-card button").click()`)
	tab.WaitFor(`document.querySelector("#col-todo .card strong")?.textContent === "Rotate keys"`)
	tab.WaitFor(`document.querySelector("#col-todo .card").classList.contains("new")`)
	assert.Equal(t, 2, browsertest.Eval[int](tab, `document.querySelectorAll("#col-todo .card .label").length`))

	// Drop it on "done", through the hooks.
	tab.Exec(`statetemplate.send("move", {card: document.querySelector("#col-todo .card").id, to: "done"})`)
	tab.WaitFor(`document.querySelector("#col-done .card strong")?.textContent === "Rotate keys"`)

	// The live filter needs no script.
	tab.Do(chromedp.SendKeys(chromedp.CSS("#filter"), "zzz"))
	tab.WaitFor(`document.querySelectorAll(".card").length === 0`)

	// Back to the list: the new board is there; no page was loaded.
	tab.Exec(`document.querySelector("#nav a").click()`)
	tab.WaitFor(`location.pathname === "/" && document.querySelectorAll("#boards li").length === 2`)
	assert.True(t, browsertest.Eval[bool](tab, `window.samePage === true`))

	// A reload shows the same state.
	tab.Do(chromedp.Reload())
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open" && document.querySelectorAll("#boards li").length === 2`)
}
