package live_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
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
			r, err := statetemplate.New(feedPage)
			require.NoError(t, err)
			app, err := live.New(r, func(*http.Request) (*feed, error) { return &feed{}, nil })
			require.NoError(t, err)
			var mu sync.Mutex
			arrays := map[*int]bool{}
			live.HandleTopic(app, "price", func(_ context.Context, f *feed, b board) error {
				mu.Lock()
				arrays[&b.Prices[0]] = true
				mu.Unlock()
				f.Price = b.Prices[0] + b.Prices[1]
				return nil
			}, tc.opts...)
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
