package live_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live"
)

func TestBroker_PublishOnOneServerReachesTabsOnBoth(t *testing.T) {
	br := live.NewMemoryBroker()
	a, b := newPushServer(t, live.WithBroker(br)), newPushServer(t, live.WithBroker(br))
	onA, onB := openTab(t, a.URL, "price"), openTab(t, b.URL, "price")

	require.NoError(t, a.app.Publish(context.Background(), "price", tick{Seq: 1, Price: 5}))
	assert.Equal(t, 1005, priceOf(t, onA.Conn))
	assert.Equal(t, 1005, priceOf(t, onB.Conn))
	delivered(t, a.app, 1)
	delivered(t, b.app, 1)
	assert.Zero(t, a.app.PushStats().Received, "a server does not get its own publish back")
	assert.Equal(t, int64(1), b.app.PushStats().Received)
	expectNoPush(t, onA.Conn)
}

func TestBroker_PushToReachesASessionOnAnotherServer(t *testing.T) {
	br := live.NewMemoryBroker()
	a, b := newPushServer(t, live.WithBroker(br)), newPushServer(t, live.WithBroker(br))
	onB := openTab(t, b.URL)
	require.NoError(t, a.app.PushTo(context.Background(), onB.id, "room:dm", "psst"))
	assert.Contains(t, mustRead(t, onB.Conn).html(), "room:dm psst")
}

// flakyBroker is a MemoryBroker whose Publish fails while fail is set.
type flakyBroker struct {
	*live.MemoryBroker
	fail atomic.Bool
}

func (f *flakyBroker) Publish(ctx context.Context, msg []byte) error {
	if f.fail.Load() {
		return errors.New("dial tcp 127.0.0.1:6379: connection refused")
	}
	return f.MemoryBroker.Publish(ctx, msg)
}

func TestBroker_FailingBrokerLosesRemotePublishesOnlyAndSaysSo(t *testing.T) {
	br := &flakyBroker{MemoryBroker: live.NewMemoryBroker()}
	logger, logs := livetest.Logger()
	a, b := newPushServer(t, live.WithBroker(br), live.WithLogger(logger)), newPushServer(t, live.WithBroker(br))
	onA, onB := openTab(t, a.URL, "price"), openTab(t, b.URL, "price")

	br.fail.Store(true)
	for i := 1; i <= 3; i++ {
		require.NoError(t, a.app.Publish(context.Background(), "price", tick{Seq: i}), "a broker failure is not the publisher's")
		assert.Equal(t, i*1000, priceOf(t, onA.Conn), "this server's tabs still get it")
	}
	require.Eventually(t, func() bool { return a.app.PushStats().BrokerDropped == 3 }, 5*time.Second, time.Millisecond)
	br.fail.Store(false)
	require.NoError(t, a.app.Publish(context.Background(), "price", tick{Seq: 4}))
	assert.Equal(t, 4000, priceOf(t, onB.Conn), "the other server gets what is published once the broker works")
	require.Eventually(t, func() bool { return bytes.Contains([]byte(logs.String()), []byte("works again")) }, 5*time.Second, time.Millisecond)
	assert.Equal(t, 1, bytes.Count([]byte(logs.String()), []byte("not reaching other servers")), "one warning per outage:\n%s", logs.String())
	assert.Contains(t, logs.String(), "lost=3")
}

// rawBroker delivers whatever the test hands it.
type rawBroker struct {
	mu      sync.Mutex
	deliver func([]byte)
}

func (r *rawBroker) Publish(context.Context, []byte) error { return nil }
func (r *rawBroker) Subscribe(deliver func([]byte)) (func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliver = deliver
	return func() {}, nil
}

func TestBroker_ForeignMessagesAreDroppedAndLogged(t *testing.T) {
	br := &rawBroker{}
	logger, logs := livetest.Logger()
	ps := newPushServer(t, live.WithBroker(br), live.WithLogger(logger))
	ws := openTab(t, ps.URL, "price")
	br.deliver([]byte("not a publish"))
	assert.Contains(t, logs.String(), "does not decode")
	expectNoPush(t, ws.Conn)
}

func TestBroker_PayloadOfAnotherTypeIsDroppedAndLogged(t *testing.T) {
	br := live.NewMemoryBroker()
	logger, logs := livetest.Logger()
	a, b := newPushServer(t, live.WithBroker(br)), newPushServer(t, live.WithBroker(br), live.WithLogger(logger))
	live.HandleTopic(a.app, "shared", func(context.Context, *feed, string) error { return nil })
	live.HandleTopic(b.app, "shared", func(_ context.Context, f *feed, p tick) error {
		f.Price = p.Price
		return nil
	})
	onB, twoB := openTab(t, b.URL), openTab(t, b.URL)
	for _, tb := range []tab{onB, twoB} {
		send(t, tb.Conn, `{"action":"sub","topic":"shared"}`)
		expectNoPush(t, tb.Conn)
	}
	require.NoError(t, a.app.Publish(context.Background(), "shared", "a string, not a tick"))
	require.Eventually(t, func() bool { return b.app.PushStats().Failed == 2 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, 1, strings.Count(logs.String(), "does not decode into the topic handler's type"),
		"one warning per publish, not one per session it reached:\n%s", logs.String())
	expectNoPush(t, onB.Conn)
}

func TestBroker_TopicHandledOnlyElsewhereIsPublished(t *testing.T) {
	br := live.NewMemoryBroker()
	a, b := newPushServer(t, live.WithBroker(br)), newPushServer(t, live.WithBroker(br))
	live.HandleTopic(b.app, "only-b", func(_ context.Context, f *feed, p tick) error {
		f.Price = p.Price
		return nil
	})
	onB := openTab(t, b.URL, "only-b")
	require.NoError(t, a.app.Publish(context.Background(), "only-b", tick{Price: 9}))
	assert.Equal(t, 9, priceOf(t, onB.Conn))
}
