package ticker

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/browsertest"
)

// TestBrowser_TicksWatchlistAndPauseInChromium runs the ticker in two
// Chromium tabs: ticks reach both, a watchlist is one tab's own and
// follows the ticks, a paused tab stops and catches up on resume, and
// after all that each page equals a fresh load of its session.
func TestBrowser_TicksWatchlistAndPauseInChromium(t *testing.T) {
	s := newServer(t)
	m, app := s.market, s.app
	tick := func() int64 { return s.tick(t).Seq }
	shows := func(tab *browsertest.Tab, seq int64) {
		t.Helper()
		tab.WaitFor(`document.querySelector("#tick").textContent.startsWith("#` + itoa(seq) + ` ")`)
	}

	b := browsertest.Start(t)
	one, two := b.NewTab(t), b.NewTab(t)
	for _, tab := range []*browsertest.Tab{one, two} {
		tab.Navigate(s.URL + "/")
		tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	}
	require.Eventually(t, func() bool { return app.Connections() == 2 }, 10*time.Second, 10*time.Millisecond)
	// Both pages are subscribed once their connect hook ran; a tick proves it.
	seq := tick()
	shows(one, seq)
	shows(two, seq)

	// Tab one watches the first symbol; tab two does not see it.
	sym := Symbols[0]
	one.Exec(`document.querySelector("#b-` + sym + ` button").click()`)
	one.WaitFor(`document.querySelector("#w-` + sym + `") !== null`)
	assert.Zero(t, browsertest.Eval[int](two, `document.querySelectorAll("#watchlist [id^=wp-]").length`))
	// Tick until the symbol moves: its watchlist price follows the board's.
	for moved := false; !moved; {
		before := m.Latest().Quotes[0].Price
		seq = tick()
		shows(one, seq)
		moved = m.Latest().Quotes[0].Price != before
	}
	assert.Equal(t, browsertest.Eval[string](one, `document.querySelector("#p-`+sym+`").textContent`),
		browsertest.Eval[string](one, `document.querySelector("#wp-`+sym+`").textContent`))

	// Tab two pauses: it stays on its tick while tab one moves on, and
	// catches up at once when it resumes.
	two.Exec(`document.querySelector("#follow").click()`)
	two.WaitFor(`document.querySelector("#follow").textContent === "Resume"`)
	paused := seq
	for range 3 {
		seq = tick()
		shows(one, seq)
	}
	assert.Contains(t, browsertest.Eval[string](two, `document.querySelector("#tick").textContent`), "#"+itoa(paused)+" ")
	two.Exec(`document.querySelector("#follow").click()`)
	shows(two, seq)

	// Each page is what a fresh load of its session shows.
	for _, tab := range []*browsertest.Tab{one, two} {
		live := tab.Snapshot("body")
		tab.Navigate(s.URL + "/") // a reload continues the tab's session
		tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
		assert.Equal(t, live, tab.Snapshot("body"))
	}
	assert.Empty(t, one.Exceptions())
	assert.Empty(t, two.Exceptions())
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBrowser_CompressedTicksApplyExactly runs issue 16's market (12
// quotes, 3 move a tick) into a Chromium tab, which negotiates
// compression: the ticks use every short form of the wire — cells by
// reference, replaces as splices of their html, padding — and the page
// after them is what a fresh load shows, without a resync.
func TestBrowser_CompressedTicksApplyExactly(t *testing.T) {
	s := newServer(t)
	board, next := twelveQuotes()
	s.market.Observe(board)
	tab := browsertest.Start(t).NewTab(t)
	tab.Navigate(s.URL + "/")
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	require.Eventually(t, func() bool { return s.app.Connections() == 1 }, 10*time.Second, 10*time.Millisecond)
	// The connect hook subscribes the page: a tick that arrives proves it.
	require.Eventually(t, func() bool {
		tk := next()
		return s.app.Publish(context.Background(), Topic, tk) == nil &&
			tab.TryWaitFor(`document.querySelector("#tick").textContent.startsWith("#`+itoa(tk.Seq)+` ")`, 200*time.Millisecond) == nil
	}, 10*time.Second, time.Millisecond, "subscribed")
	for range 25 {
		tk := next()
		require.NoError(t, s.app.Publish(context.Background(), Topic, tk))
		tab.WaitFor(`document.querySelector("#tick").textContent.startsWith("#` + itoa(tk.Seq) + ` ")`)
	}
	var spliced, padded bool
	for _, f := range tab.Received() {
		spliced = spliced || strings.Contains(string(f), "\x1eQ")
		padded = padded || strings.Contains(string(f), "\x1ed\x1ed")
	}
	assert.True(t, spliced, "a cell replaced as a splice of its html")
	assert.True(t, padded, "a tick padded to stay compressed")
	for _, f := range tab.Sent() {
		assert.NotContains(t, string(f), "_resync")
	}

	live := tab.Snapshot("body")
	tab.Navigate(s.URL + "/") // a reload continues the tab's session
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	assert.Equal(t, live, tab.Snapshot("body"))
	assert.Empty(t, tab.Exceptions())
}
