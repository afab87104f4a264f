package live_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live"
	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

// board is a publish's payload with a slice, whose backing array tells
// whether two sessions got the same decoded value.
type board struct{ Prices []int }

func TestHandleTopic_SharedPayloadDecodesOncePerPublish(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []live.TopicOption
		wantArray int // distinct backing arrays the 3 sessions' handlers saw
	}{
		{"each session decodes its own copy by default", nil, 3},
		{"SharedPayload gives every session the same value", []live.TopicOption{live.SharedPayload()}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			arrays := map[*int]bool{}
			app, tabs := boardTabs(t, func(_ context.Context, f *feed, b board) error {
				mu.Lock()
				arrays[&b.Prices[0]] = true
				mu.Unlock()
				f.Price = b.Prices[0] + b.Prices[1]
				return nil
			}, tc.opts)

			require.NoError(t, app.Publish(context.Background(), "price", board{Prices: []int{1000, 7}}))
			for _, tb := range tabs {
				assert.Equal(t, 1007, priceOf(t, tb.Conn))
			}
			mu.Lock()
			defer mu.Unlock()
			assert.Len(t, arrays, tc.wantArray)
		})
	}
}

// boardTabs serves an App whose "price" topic handler is fn (with opts),
// whose pages subscribe to it, and opens three tabs on it.
func boardTabs(t *testing.T, fn live.TopicFunc[*feed, board], opts []live.TopicOption, appOpts ...live.Option) (*live.App[*feed], []tab) {
	t.Helper()
	r, err := statetemplate.New(feedPage)
	require.NoError(t, err)
	app, err := live.New(r, func(*http.Request) (*feed, error) { return &feed{}, nil }, appOpts...)
	require.NoError(t, err)
	live.HandleTopic(app, "price", fn, opts...)
	app.OnConnect(func(ctx context.Context, _ *feed, _ *http.Request) error {
		live.Subscribe(ctx, "price")
		return nil
	})
	app.Handle("whoami", func(ctx context.Context, _ *feed, _ live.Message) error {
		live.PushEvent(ctx, "id", live.SessionID(ctx))
		return nil
	})
	srv := httptest.NewServer(app)
	t.Cleanup(func() { srv.Close(); app.Close(); r.Close() })
	tabs := []tab{openTab(t, srv.URL), openTab(t, srv.URL), openTab(t, srv.URL)}
	waitConnections(t, app, len(tabs))
	return app, tabs
}

// lazyRecorder is a memory store that records, for each update of a
// session's data, the price it stored and whether it came marked lazy.
type lazyRecorder struct {
	*memory.Store
	mu   sync.Mutex
	lazy map[int]bool // price → the update that stored it was lazy
}

func (s *lazyRecorder) Update(ctx context.Context, rec *session.Record) error {
	if f, ok := rec.Value.(*feed); ok {
		s.mu.Lock()
		s.lazy[f.Price] = session.LazyWrite(ctx)
		s.mu.Unlock()
	}
	return s.Store.Update(ctx, rec)
}

func TestPush_ChangesAreStoredLazilyAndActionsAreNot(t *testing.T) {
	store := &lazyRecorder{Store: memory.New(0), lazy: map[int]bool{}}
	r, err := statetemplate.New(feedPage, statetemplate.WithCustomStore(store))
	require.NoError(t, err)
	app, err := live.New(r, func(*http.Request) (*feed, error) { return &feed{}, nil })
	require.NoError(t, err)
	live.HandleTopic(app, "price", func(_ context.Context, f *feed, p tick) error {
		f.Price = p.Price
		return nil
	})
	app.OnConnect(func(ctx context.Context, _ *feed, _ *http.Request) error {
		live.Subscribe(ctx, "price")
		return nil
	})
	app.Handle("set", func(_ context.Context, f *feed, m live.Message) error {
		var err error
		f.Price, err = m.Int("price")
		return err
	})
	app.Handle("whoami", func(ctx context.Context, _ *feed, _ live.Message) error {
		live.PushEvent(ctx, "id", live.SessionID(ctx))
		return nil
	})
	srv := httptest.NewServer(app)
	t.Cleanup(func() { srv.Close(); app.Close(); r.Close() })
	ws := openTab(t, srv.URL).Conn

	send(t, ws, `{"action":"set","price":11}`)
	require.Equal(t, 11, priceOf(t, ws))
	require.NoError(t, app.Publish(context.Background(), "price", tick{Price: 22}))
	require.Equal(t, 22, priceOf(t, ws))
	require.NoError(t, app.UpdateAll(context.Background(), func(_ context.Context, f *feed) error {
		f.Price = 33
		return nil
	}))
	require.Equal(t, 33, priceOf(t, ws))

	store.mu.Lock()
	defer store.mu.Unlock()
	assert.Equal(t, map[int]bool{0: false, 11: false, 22: true, 33: true}, store.lazy, "connect and action: not lazy; Publish, UpdateAll: lazy")
}

// TestHandleTopic_SharedPayloadChangedByAHandlerIsSaid: a SharedPayload
// handler that changes the value every session shares (here, under a lock,
// so that only the mistake under test is one) makes the sessions after it
// see the change; once every session is done with the publish, a warning
// says so. A handler that only reads it gets none, nor does a handler
// whose sessions decode their own copies.
func TestHandleTopic_SharedPayloadChangedByAHandlerIsSaid(t *testing.T) {
	const warning = "SharedPayload handler changed the payload"
	for _, tc := range []struct {
		name   string
		opts   []live.TopicOption
		change bool
		want   bool
	}{
		{"a shared payload read only", []live.TopicOption{live.SharedPayload()}, false, false},
		{"a shared payload changed", []live.TopicOption{live.SharedPayload()}, true, true},
		{"each session's own copy changed", nil, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logger, logs := livetest.Logger()
			var mu sync.Mutex
			var ran int
			app, tabs := boardTabs(t, func(_ context.Context, f *feed, b board) error {
				mu.Lock()
				defer mu.Unlock()
				f.Price = b.Prices[0] + b.Prices[1]
				if tc.change {
					b.Prices[1]++ // the mistake: a shared slice's element
				}
				ran++
				return nil
			}, tc.opts, live.WithLogger(logger))

			require.NoError(t, app.Publish(context.Background(), "price", board{Prices: []int{1000, 7}}))
			prices := map[int]bool{}
			for _, tb := range tabs {
				prices[priceOf(t, tb.Conn)] = true
			}
			if tc.want {
				assert.Len(t, prices, len(tabs), "each session saw the change of the one before it")
				require.Eventually(t, func() bool { return strings.Contains(logs.String(), warning) }, 5*time.Second, time.Millisecond)
				assert.Contains(t, logs.String(), "topic=price")
				assert.Equal(t, 1, strings.Count(logs.String(), warning), "one warning per publish")
				return
			}
			assert.Equal(t, map[int]bool{1007: true}, prices)
			require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return ran == len(tabs) }, 5*time.Second, time.Millisecond)
			require.NoError(t, app.Publish(context.Background(), "price", board{Prices: []int{2000, 7}}))
			for _, tb := range tabs {
				assert.Equal(t, 2007, priceOf(t, tb.Conn))
			}
			assert.NotContains(t, logs.String(), warning)
		})
	}
}
