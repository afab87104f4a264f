// Package ticker is the live stock ticker of examples/ticker: a market
// publishes its board to every open tab (live.Publish), and each tab keeps
// its own watchlist and can pause the feed. It is a package so that the
// load tool (statetemplate-load -app ticker) serves the same app the
// example does.
package ticker

import (
	"context"
	_ "embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

//go:embed page.html
var pageSource string

// Page is the ticker's template. Every price and change cell has an id,
// so that a tick sends only the cells that moved.
var Page = template.Must(template.New("ticker").Parse(pageSource))

// Topic is the topic the market's ticks are published on.
const Topic = "quotes"

// New returns the App serving the ticker on r, for the market m. Tabs
// subscribe to Topic when they connect, unless paused.
func New(r *statetemplate.Renderer, m *Market, opts ...live.Option) (*live.App[*Board], error) {
	app, err := live.New(r, func(*http.Request) (*Board, error) {
		b := &Board{}
		b.apply(m.Latest())
		return b, nil
	}, opts...)
	if err != nil {
		return nil, err
	}
	live.HandleTopic(app, Topic, func(_ context.Context, b *Board, t Tick) error {
		m.Observe(t) // a server whose market does not tick follows the one that does
		b.apply(t)
		return nil
	}, live.SharedPayload()) // decoded once per tick for every tab: apply copies what it changes
	app.OnConnect(func(ctx context.Context, b *Board, _ *http.Request) error {
		if !b.Paused {
			live.Subscribe(ctx, Topic)
			b.apply(m.Latest()) // the ticks published while the tab was away
		}
		return nil
	})
	app.Handle("watch", func(_ context.Context, b *Board, msg live.Message) error {
		s := msg.String("symbol")
		switch {
		case !Has(s):
			return live.Errorf("%q is not quoted here.", s)
		case b.Watching(s):
			return nil
		case len(b.Watch) >= MaxWatch:
			return live.Errorf("A watchlist holds %d symbols at most.", MaxWatch)
		}
		b.Watch = append(b.Watch, s)
		b.mark()
		return nil
	})
	app.Handle("unwatch", func(_ context.Context, b *Board, msg live.Message) error {
		b.Watch = slices.DeleteFunc(b.Watch, func(s string) bool { return s == msg.String("symbol") })
		b.mark()
		return nil
	})
	app.Handle("pause", func(ctx context.Context, b *Board, _ live.Message) error {
		b.Paused = !b.Paused
		if b.Paused {
			live.Unsubscribe(ctx, Topic)
			return nil
		}
		live.Subscribe(ctx, Topic)
		b.apply(m.Latest())
		return nil
	})
	return app, nil
}

// Run publishes a tick of m every interval until ctx ends.
func Run(ctx context.Context, app *live.App[*Board], m *Market, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := app.Publish(ctx, Topic, m.Next(now)); err != nil && !errors.Is(err, live.ErrAppClosed) && ctx.Err() == nil {
				slog.Warn("ticker: publishing a tick", "err", err)
			}
		}
	}
}
