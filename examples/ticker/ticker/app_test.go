package ticker

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live"
)

type server struct {
	*httptest.Server
	app    *live.App[*Board]
	market *Market
}

func newServer(t *testing.T) *server {
	t.Helper()
	return startServer(t, nil)
}

// startServer serves the ticker with renderer options ropts and App
// options opts, until t ends.
func startServer(t testing.TB, ropts []statetemplate.Option, opts ...live.Option) *server {
	t.Helper()
	r, err := statetemplate.New(Page, ropts...)
	require.NoError(t, err)
	m := NewMarket(3, t0)
	app, err := New(r, m, opts...)
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(func() {
		srv.Close()
		app.Close()
		r.Close()
	})
	return &server{srv, app, m}
}

// open opens a tab and returns once it is subscribed: the answer to an
// action comes after the connect hook.
func (s *server) open(t testing.TB) *livetest.Tab {
	t.Helper()
	tab := livetest.Open(t, s.URL, nil)
	tab.Send(t, `{"action":"unwatch","symbol":"none","_seq":1}`)
	require.Equal(t, int64(1), tab.Next(t).Ack, "the acknowledgment")
	return tab
}

// tick makes the market tick and publishes the tick.
func (s *server) tick(t testing.TB) Tick {
	t.Helper()
	tk := s.market.Next(t0.Add(time.Duration(s.market.Latest().Seq+1) * time.Second))
	require.NoError(t, s.app.Publish(context.Background(), Topic, tk))
	return tk
}

func TestTicker_ATickSendsOnlyTheCellsThatMoved(t *testing.T) {
	s := newServer(t)
	tab := s.open(t)
	before := s.market.Latest()
	after := s.tick(t)
	var want []string
	for i, q := range after.Quotes {
		if q.Price != before.Quotes[i].Price {
			want = append(want, "p-"+q.Symbol, "c-"+q.Symbol)
		}
	}
	require.NotEmpty(t, want)
	m := tab.NextUpdates(t)
	var got []string
	for _, u := range m.Updates {
		// A cell whose text alone changed gets its text; one whose class
		// (the trend) changed too is replaced.
		assert.Contains(t, []string{statetemplate.ActionText, statetemplate.ActionReplace}, u.Action, "%s", u.FragmentID)
		if u.FragmentID != "tick" {
			got = append(got, u.FragmentID)
		}
	}
	assert.ElementsMatch(t, want, got)
	assert.Contains(t, m.HTML(), "#1 ·", "the tick's number")
}

func TestTicker_WatchlistIsPerTabAndFollowsTheTicks(t *testing.T) {
	s := newServer(t)
	watcher, other := s.open(t), s.open(t)
	sym := s.market.Latest().Quotes[0].Symbol
	watcher.Send(t, `{"action":"watch","symbol":"`+sym+`"}`)
	assert.Contains(t, watcher.NextUpdates(t).HTML(), `id="w-`+sym+`"`)

	// Tick until the watched symbol moves: its watchlist cell moves too.
	for {
		before := s.market.Latest().Quotes[0].Price
		after := s.tick(t)
		w, o := watcher.NextUpdates(t), other.NextUpdates(t)
		assert.NotContains(t, o.HTML(), `id="wp-`, "another tab's watchlist is its own")
		if after.Quotes[0].Price != before {
			assert.Contains(t, w.HTML(), `id="wp-`+sym+`"`)
			break
		}
	}
	watcher.Send(t, `{"action":"unwatch","symbol":"`+sym+`"}`)
	assert.Contains(t, watcher.NextUpdates(t).HTML(), `id="w-empty"`)
}

func TestTicker_WatchRefusesUnknownSymbolsAndTooLongLists(t *testing.T) {
	s := newServer(t)
	tab := s.open(t)
	tab.Send(t, `{"action":"watch","symbol":"NOPE","_seq":2}`)
	assert.Contains(t, string(tab.Next(t).Reply["message"]), "not quoted here")
	for _, sym := range Symbols[:MaxWatch] {
		tab.Send(t, `{"action":"watch","symbol":"`+sym+`"}`)
		tab.NextUpdates(t)
	}
	tab.Send(t, `{"action":"watch","symbol":"`+Symbols[MaxWatch]+`","_seq":3}`)
	assert.Contains(t, string(tab.Next(t).Reply["message"]), "at most")
}

func TestTicker_PauseStopsTheFeedAndResumeCatchesUp(t *testing.T) {
	s := newServer(t)
	paused, following := s.open(t), s.open(t)
	paused.Send(t, `{"action":"pause"}`)
	assert.Contains(t, paused.NextUpdates(t).HTML(), "Resume")
	s.tick(t)
	assert.Contains(t, following.NextUpdates(t).HTML(), "#1 ·")
	s.tick(t)
	assert.Contains(t, following.NextUpdates(t).HTML(), "#2 ·")

	paused.Send(t, `{"action":"pause"}`)
	m := paused.NextUpdates(t)
	assert.Contains(t, m.HTML(), "Pause", "the button")
	assert.Contains(t, m.HTML(), "#2 ·", "the ticks it missed, at once")
	s.tick(t)
	assert.Contains(t, paused.NextUpdates(t).HTML(), "#3 ·")
}

func TestTicker_NewTabShowsTheLatestBoard(t *testing.T) {
	s := newServer(t)
	s.tick(t)
	tab := s.open(t)
	assert.True(t, strings.Contains(tab.Page, ">#1 ·"), "the page load renders the latest tick")
}
