package live_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live"
)

func TestPublish_ReachesSubscribedTabsOnly(t *testing.T) {
	ps := newPushServer(t)
	a, b := openTab(t, ps.URL, "price"), openTab(t, ps.URL, "price")
	other := openTab(t, ps.URL, "room:1")

	require.NoError(t, ps.app.Publish(context.Background(), "price", tick{Seq: 1, Price: 7}))
	assert.Equal(t, 1007, priceOf(t, a.Conn))
	assert.Equal(t, 1007, priceOf(t, b.Conn))
	delivered(t, ps.app, 2)
	expectNoPush(t, other.Conn)
}

func TestSubscribe_FromAHandlerAndUnsubscribe(t *testing.T) {
	ps := newPushServer(t)
	ws := openTab(t, ps.URL)
	ctx := context.Background()

	send(t, ws.Conn, `{"action":"sub","topic":"price"}`)
	expectNoPush(t, ws.Conn) // the sub action answered nothing; whoami's answer is next
	require.NoError(t, ps.app.Publish(ctx, "price", tick{Seq: 1, Price: 1}))
	assert.Equal(t, 1001, priceOf(t, ws.Conn))

	send(t, ws.Conn, `{"action":"unsub","topic":"price"}`)
	expectNoPush(t, ws.Conn)
	require.NoError(t, ps.app.Publish(ctx, "price", tick{Seq: 2, Price: 2}))
	require.NoError(t, ps.app.Publish(ctx, "room:x", "hello")) // no subscriber: a no-op
	expectNoPush(t, ws.Conn)
	assert.Equal(t, int64(1), ps.app.PushStats().Delivered)
}

func TestSubscribe_RefusesTopicsWithoutAHandlerAndSaysSo(t *testing.T) {
	logger, logs := livetest.Logger()
	ps := newPushServer(t, live.WithLogger(logger))
	ws := openTab(t, ps.URL, "nohandler", "bad*topic")
	send(t, ws.Conn, `{"action":"whoami"}`)
	mustRead(t, ws.Conn)
	assert.Contains(t, logs.String(), "no handler for the topic")
	assert.Contains(t, logs.String(), "topic refused")
	err := ps.app.Publish(context.Background(), "nohandler", 1)
	assert.ErrorIs(t, err, live.ErrNoTopicHandler)
}

func TestHandleTopic_PrefixPatternsSeeThePublishedTopic(t *testing.T) {
	ps := newPushServer(t)
	ws := openTab(t, ps.URL, "room:lobby")
	require.NoError(t, ps.app.Publish(context.Background(), "room:lobby", "hi"))
	assert.Contains(t, mustRead(t, ws.Conn).html(), "room:lobby hi")
}

func TestPushTo_ReachesOneSessionWhateverItsSubscriptions(t *testing.T) {
	ps := newPushServer(t)
	target, bystander := openTab(t, ps.URL), openTab(t, ps.URL, "price")
	id := target.id
	assert.Len(t, id, 32)

	require.NoError(t, ps.app.PushTo(context.Background(), id, "price", tick{Seq: 3, Price: 3}))
	assert.Equal(t, 3003, priceOf(t, target.Conn))
	assert.Equal(t, []int{3}, ps.appliedBy(id), "the handler knew which session it ran for")
	delivered(t, ps.app, 1)
	expectNoPush(t, bystander.Conn)
}

func TestPublish_RefusesBadInputAtOnce(t *testing.T) {
	ps := newPushServer(t)
	ctx := context.Background()
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"empty topic", func() error { return ps.app.Publish(ctx, "", tick{}) }, live.ErrInvalidTopic},
		{"wildcard topic", func() error { return ps.app.Publish(ctx, "room:*", "x") }, live.ErrInvalidTopic},
		{"no handler", func() error { return ps.app.Publish(ctx, "nobody", tick{}) }, live.ErrNoTopicHandler},
		{"wrong payload type", func() error { return ps.app.Publish(ctx, "price", &tick{}) }, live.ErrPayloadType},
		{"payload too large", func() error {
			return ps.app.Publish(ctx, "room:big", strings.Repeat("x", live.MaxPayloadBytes))
		}, live.ErrPayloadTooLarge},
		{"bad session ID", func() error { return ps.app.PushTo(ctx, "nope", "price", tick{}) }, statetemplate.ErrInvalidSessionID},
		{"cancelled context", func() error {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return ps.app.Publish(c, "price", tick{})
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.do(), tc.want)
		})
	}
	assert.Zero(t, ps.app.PushStats().Published)
}

func TestHandleTopic_PanicsOnBadOrDuplicateTopics(t *testing.T) {
	ps := newPushServer(t)
	fn := func(context.Context, *feed, int) error { return nil }
	for _, topic := range []string{"", "a*b", "price", "room:*", strings.Repeat("t", 300)} {
		assert.Panics(t, func() { live.HandleTopic(ps.app, topic, fn) }, "%q", topic)
	}
	assert.NotPanics(t, func() { live.HandleTopic(ps.app, "*", fn) }, "a catch-all")
}

// TestPublish_EachSessionAppliesPushesInOrder publishes 200 ticks from one
// goroutine to 20 tabs: each session applies an increasing subsequence of
// them, one at a time, ending with the last.
func TestPublish_EachSessionAppliesPushesInOrder(t *testing.T) {
	ps := newPushServer(t)
	const tabs, ticks = 20, 200
	var ids []string
	for range tabs {
		ids = append(ids, openTab(t, ps.URL, "price").id)
	}
	for i := 1; i <= ticks; i++ {
		require.NoError(t, ps.app.Publish(context.Background(), "price", tick{Seq: i}))
	}
	for _, id := range ids {
		require.Eventually(t, func() bool {
			got := ps.appliedBy(id)
			return len(got) > 0 && got[len(got)-1] == ticks
		}, 10*time.Second, 5*time.Millisecond, "session %s reaches the last tick", id[:8])
		got := ps.appliedBy(id)
		for i := 1; i < len(got); i++ {
			require.Less(t, got[i-1], got[i], "session %s applied %v", id[:8], got)
		}
	}
	assert.Equal(t, int64(ticks), ps.app.PushStats().Published)
	require.Eventually(t, func() bool {
		st := ps.app.PushStats()
		return st.Delivered+st.Coalesced == tabs*ticks
	}, 5*time.Second, time.Millisecond, "every push is applied or replaced by a later one: %+v", ps.app.PushStats())
}

// TestPublish_CoalescesWhileASessionIsBusy holds a session in an action
// while 100 ticks are published: it then applies at most the first and the
// last, and its page shows the last.
func TestPublish_CoalescesWhileASessionIsBusy(t *testing.T) {
	ps := newPushServer(t)
	busy := openTab(t, ps.URL, "price")
	id := busy.id
	free := openTab(t, ps.URL, "price")
	send(t, busy.Conn, `{"action":"block"}`)
	<-ps.blocked
	require.NoError(t, ps.app.Publish(context.Background(), "price", tick{Seq: 1}))
	assert.Equal(t, 1000, priceOf(t, free.Conn))
	for i := 2; i <= 100; i++ {
		require.NoError(t, ps.app.Publish(context.Background(), "price", tick{Seq: i}))
		assert.Equal(t, i*1000, priceOf(t, free.Conn), "the other tab is not held up")
	}
	assert.Empty(t, ps.appliedBy(id))
	ps.unblock()

	var last int
	for last != 100000 {
		last = priceOf(t, busy.Conn)
	}
	got := ps.appliedBy(id)
	assert.LessOrEqual(t, len(got), 2, "applied %v", got)
	assert.Equal(t, 100, got[len(got)-1])
	assert.GreaterOrEqual(t, ps.app.PushStats().Coalesced, int64(98))
}

// TestPublish_ALongActionHoldsUpNoOtherTab gives the App a single push
// worker and holds one session in an action: the worker does not wait for
// it, the other tab gets every tick, and the held tab gets the latest once
// its action ends.
func TestPublish_ALongActionHoldsUpNoOtherTab(t *testing.T) {
	ps := newPushServer(t, live.WithPushWorkers(1))
	held, free := openTab(t, ps.URL, "price"), openTab(t, ps.URL, "price")
	send(t, held.Conn, `{"action":"block"}`)
	<-ps.blocked
	for i := 1; i <= 5; i++ {
		require.NoError(t, ps.app.Publish(context.Background(), "price", tick{Seq: i}))
		assert.Equal(t, i*1000, priceOf(t, free.Conn), "the other tab is not held up")
	}
	ps.unblock()
	assert.Equal(t, 5000, priceOf(t, held.Conn), "the latest tick, once the action is over")
	assert.Equal(t, []int{5}, ps.appliedBy(held.id))
}

// TestPublish_SlowTabNeverBlocksPublishOrOtherTabs: a tab that never reads
// fills its socket; publishes still return, the other tab gets every tick
// in order, the slow tab's ticks coalesce while its queue is full, and the
// write timeout finally disconnects it.
func TestPublish_SlowTabNeverBlocksPublishOrOtherTabs(t *testing.T) {
	ps := newTinyPushServer(t, live.WithSendBuffer(4), live.WithWriteTimeout(time.Second))
	fast := openTab(t, ps.URL, "room:big")
	slow := openTinyTab(t, ps.URL, "room:big") // never read from again
	_ = slow
	waitConnections(t, ps.app, 2)

	big := strings.Repeat("y", 64<<10)
	for i := range 20 {
		done := make(chan error, 1)
		go func() { done <- ps.app.Publish(context.Background(), "room:big", big+strconv.Itoa(i)) }()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("Publish blocked on the slow tab")
		}
		assert.True(t, strings.HasSuffix(mustRead(t, fast.Conn).html(), big+strconv.Itoa(i)), "the fast tab gets every tick, in order: %d", i)
	}
	assert.Positive(t, ps.app.PushStats().Coalesced, "the slow tab's ticks coalesce")
	// The slow tab is closed once a write to it outlasts the write
	// timeout, which takes a frame its socket's buffers cannot hold: on a
	// starved machine its ticks coalesce into fewer frames, so publish on
	// (the fast tab reading each) until it is closed.
	deadline := time.Now().Add(20 * time.Second)
	for i := 20; ps.app.Connections() > 1; i++ {
		require.True(t, time.Now().Before(deadline), "the slow tab is never closed")
		require.NoError(t, ps.app.Publish(context.Background(), "room:big", big+strconv.Itoa(i)))
		assert.True(t, strings.HasSuffix(mustRead(t, fast.Conn).html(), big+strconv.Itoa(i)), "the fast tab gets every tick, in order: %d", i)
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(t, 1, ps.app.Connections(), "the fast tab stays")
}

// TestPublish_OverflowingBacklogReconnectsThePage holds a session while it
// is pushed more topics than its backlog holds: the page is closed with
// 1013, so that it reconnects and reloads.
func TestPublish_OverflowingBacklogReconnectsThePage(t *testing.T) {
	logger, logs := livetest.Logger()
	ps := newPushServer(t, live.WithPushBacklog(2), live.WithLogger(logger))
	ws := openTab(t, ps.URL, "room:a", "room:b", "room:c", "room:d")
	send(t, ws.Conn, `{"action":"block"}`)
	<-ps.blocked
	ctx := context.Background()
	for _, topic := range []string{"room:a", "room:b", "room:c", "room:d"} {
		require.NoError(t, ps.app.Publish(ctx, topic, "x"))
	}
	require.Eventually(t, func() bool { return ps.app.PushStats().Dropped > 0 }, 5*time.Second, 5*time.Millisecond)
	ps.unblock()
	var err error
	for err == nil {
		_, err = read(t, ws.Conn)
	}
	assert.Equal(t, live.CloseSlowClient, websocket.CloseStatus(err))
	assert.Contains(t, logs.String(), "push backlog is full")
}

func TestPublish_DuringShutdownNeitherBlocksNorPanics(t *testing.T) {
	ps := newPushServer(t)
	var wg sync.WaitGroup
	for range 5 {
		ws := openTab(t, ps.URL, "price")
		wg.Go(func() { // reads, as a browser does, until the server closes
			for {
				if _, _, err := ws.Read(context.Background()); err != nil {
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := ps.app.Publish(context.Background(), "price", tick{Seq: i, Price: g})
				if err != nil && !errors.Is(err, live.ErrAppClosed) {
					errs <- err
					return
				}
				time.Sleep(100 * time.Microsecond) // leave the closing some CPU

			}
		})
	}
	require.Eventually(t, func() bool { return ps.app.PushStats().Delivered > 20 }, 5*time.Second, time.Millisecond)
	require.NoError(t, ps.app.Close())
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("publish during shutdown: %v", err)
	}
	assert.ErrorIs(t, ps.app.Publish(context.Background(), "price", tick{}), live.ErrAppClosed)
	assert.ErrorIs(t, ps.app.UpdateAll(context.Background(), func(context.Context, *feed) error { return nil }), live.ErrAppClosed)
}

func TestUpdateAll_RunsInParallelAndReturnsTheCallbacksError(t *testing.T) {
	ps := newPushServer(t, live.WithPushWorkers(4))
	for range 4 {
		openTab(t, ps.URL)
	}
	waitConnections(t, ps.app, 4)
	// Four callbacks that each wait for the other three prove they run at
	// once; one worker would deadlock here (until the context ends).
	var arrived sync.WaitGroup
	arrived.Add(4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	boom := errors.New("boom")
	var mu sync.Mutex
	n := 0
	err := ps.app.UpdateAll(ctx, func(context.Context, *feed) error {
		arrived.Done()
		arrived.Wait()
		mu.Lock()
		defer mu.Unlock()
		if n++; n == 2 {
			return boom
		}
		return nil
	})
	assert.ErrorIs(t, err, boom)
}

func TestPushObserver_SeesEveryPushFrameLeave(t *testing.T) {
	var mu sync.Mutex
	var seen []live.PushDelivery
	ps := newPushServer(t, live.WithPushObserver(func(d live.PushDelivery) {
		mu.Lock()
		seen = append(seen, d)
		mu.Unlock()
	}))
	ws := openTab(t, ps.URL, "price")
	before := time.Now()
	require.NoError(t, ps.app.Publish(context.Background(), "price", tick{Seq: 1}))
	priceOf(t, ws.Conn)
	send(t, ws.Conn, `{"action":"whoami"}`) // an action's frames are not pushes
	mustRead(t, ws.Conn)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 1)
	assert.Equal(t, "price", seen[0].Topic)
	assert.False(t, seen[0].Published.Before(before))
	assert.False(t, seen[0].Written.Before(seen[0].Published))
}

func newFeed(*http.Request) (*feed, error) { return &feed{}, nil }

func TestOnConnect_ErrorClosesTheConnectionToRetry(t *testing.T) {
	srv, app := serveApp(t, feedPage, newFeed, func(app *live.App[*feed]) {
		app.OnConnect(func(context.Context, *feed, *http.Request) error { return errors.New("db down") })
	}, live.WithLogger(slog.New(slog.DiscardHandler)))
	assert.Panics(t, func() { app.OnConnect(func(context.Context, *feed, *http.Request) error { return nil }) })
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	ws, _, err := b.dial(srv.URL, ref, nil)
	require.NoError(t, err)
	defer ws.CloseNow()
	for err == nil { // the ready message, if the close did not overtake it
		_, err = read(t, ws)
	}
	assert.Equal(t, live.CloseSlowClient, websocket.CloseStatus(err))
}

func TestOnConnect_ChangesTheDataAndSubscribes(t *testing.T) {
	var subs []string
	srv, app := serveApp(t, feedPage, newFeed, func(app *live.App[*feed]) {
		live.HandleTopic(app, "price", func(_ context.Context, f *feed, p tick) error {
			f.Price = p.Price
			return nil
		})
		app.OnConnect(func(ctx context.Context, f *feed, _ *http.Request) error {
			live.Subscribe(ctx, "price")
			subs = live.Subscriptions(ctx)
			f.Price = 42 // what the page missed
			return nil
		})
	})
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	ws := b.mustDial(srv.URL, ref)
	assert.Contains(t, mustRead(t, ws).html(), "Price: 42")
	assert.Equal(t, []string{"price"}, subs)
	require.NoError(t, app.Publish(context.Background(), "price", tick{Price: 43}))
	assert.Contains(t, mustRead(t, ws).html(), "Price: 43")
}

// TestWriteTimeout_BoundsEachWriteNotTheConnection: the write timeout is
// armed per message, so a tab that reads everything at once stays
// connected however long it lives.
func TestWriteTimeout_BoundsEachWriteNotTheConnection(t *testing.T) {
	ps := newPushServer(t, live.WithWriteTimeout(50*time.Millisecond))
	ws := openTab(t, ps.URL, "price")
	for i := 1; i <= 6; i++ {
		time.Sleep(30 * time.Millisecond) // 180 ms in all: past the timeout
		require.NoError(t, ps.app.Publish(context.Background(), "price", tick{Seq: i, Price: 1}))
		assert.Equal(t, i*1000+1, priceOf(t, ws.Conn))
	}
	assert.Equal(t, 1, ps.app.Connections())
}

// TestPublish_FramesLeaveAsTheirSessionsRenderNotAfterTheLast: on one core
// with one push worker, the first tab's frame is written before the last
// of 20 tabs has rendered the publish: a worker lets the connections'
// writers send between sessions instead of rendering the whole fan-out
// first.
func TestPublish_FramesLeaveAsTheirSessionsRenderNotAfterTheLast(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const tabs = 20
	var ps *pushServer
	ranAtFirstWrite := make(chan int, 1)
	ps = newPushServer(t, live.WithPushWorkers(1), live.WithPushObserver(func(live.PushDelivery) {
		ps.mu.Lock()
		ran := 0
		for _, seqs := range ps.applied {
			ran += len(seqs)
		}
		ps.mu.Unlock()
		select {
		case ranAtFirstWrite <- ran:
		default:
		}
	}))
	for range tabs {
		openTab(t, ps.URL, "price")
	}
	require.NoError(t, ps.app.Publish(context.Background(), "price", tick{Seq: 1}))
	delivered(t, ps.app, tabs)
	assert.Less(t, <-ranAtFirstWrite, tabs, "sessions rendered when the first frame was written")
}
