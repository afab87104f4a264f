package redisbroker_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/livetest"
	"github.com/livefir/statetemplate/live/redisbroker"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// channel returns a channel no other test uses.
func channel() string {
	var b [6]byte
	rand.Read(b[:])
	return "sttest:" + hex.EncodeToString(b[:])
}

// inbox collects what a subscription delivers.
type inbox struct {
	mu   sync.Mutex
	msgs []string
}

func (in *inbox) deliver(b []byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.msgs = append(in.msgs, string(b))
}

func (in *inbox) got() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.msgs...)
}

func subscribe(t *testing.T, b *redisbroker.Broker) *inbox {
	t.Helper()
	in := &inbox{}
	stop, err := b.Subscribe(in.deliver)
	require.NoError(t, err)
	t.Cleanup(stop)
	return in
}

func TestBroker_EverySubscriberGetsEveryMessageInOrder(t *testing.T) {
	c := redistest.Client(t)
	ch := channel()
	pub := redisbroker.New(c, redisbroker.Config{Channel: ch})
	in1 := subscribe(t, pub)
	in2 := subscribe(t, redisbroker.New(c, redisbroker.Config{Channel: ch}))
	other := subscribe(t, redisbroker.New(c, redisbroker.Config{Channel: channel()}))

	var want []string
	for i := range 200 {
		msg := fmt.Sprintf("m%03d", i)
		want = append(want, msg)
		require.NoError(t, pub.Publish(context.Background(), []byte(msg)))
	}
	for _, in := range []*inbox{in1, in2} {
		require.Eventually(t, func() bool { return len(in.got()) == len(want) }, 10*time.Second, 5*time.Millisecond)
		assert.Equal(t, want, in.got(), "in publish order")
	}
	assert.Empty(t, other.got(), "another channel is another app")
}

func TestBroker_DeliversOnARedisCluster(t *testing.T) {
	ch := channel()
	pub := redisbroker.New(redistest.ClusterClient(t), redisbroker.Config{Channel: ch})
	in := subscribe(t, redisbroker.New(redistest.ClusterClient(t), redisbroker.Config{Channel: ch}))
	var want []string
	for i := range 50 {
		msg := fmt.Sprintf("c%02d", i)
		want = append(want, msg)
		require.NoError(t, pub.Publish(context.Background(), []byte(msg)))
	}
	require.Eventually(t, func() bool { return len(in.got()) == len(want) }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, want, in.got(), "in publish order, whichever node each client talks to")
}

func TestBroker_StopEndsDelivery(t *testing.T) {
	c := redistest.Client(t)
	b := redisbroker.New(c, redisbroker.Config{Channel: channel()})
	in := &inbox{}
	stop, err := b.Subscribe(in.deliver)
	require.NoError(t, err)
	require.NoError(t, b.Publish(context.Background(), []byte("before")))
	require.Eventually(t, func() bool { return len(in.got()) == 1 }, 5*time.Second, 5*time.Millisecond)
	stop()
	stop() // twice is once
	require.NoError(t, b.Publish(context.Background(), []byte("after")))
	probe := subscribe(t, b)
	require.NoError(t, b.Publish(context.Background(), []byte("probe")))
	require.Eventually(t, func() bool { return len(probe.got()) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"before"}, in.got())
}

// TestBroker_OutageLosesPublishesThenResubscribes kills this test's own
// redis-server: a publish fails meanwhile, and once Redis is back the
// subscription is restored, OnReconnect runs and publishes arrive again.
func TestBroker_OutageLosesPublishesThenResubscribes(t *testing.T) {
	srv := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	logger, logs := livetest.Logger()
	reconnected := make(chan struct{}, 4)
	ch := channel()
	b := redisbroker.New(c, redisbroker.Config{
		Channel:     ch,
		Logger:      logger,
		OnReconnect: func() { reconnected <- struct{}{} },
	})
	in := subscribe(t, b)
	require.NoError(t, b.Publish(context.Background(), []byte("one")))
	require.Eventually(t, func() bool { return len(in.got()) == 1 }, 5*time.Second, 5*time.Millisecond)

	srv.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	err := b.Publish(ctx, []byte("lost"))
	cancel()
	assert.Error(t, err, "a publish while Redis is down fails")
	require.NoError(t, srv.Restart())
	select {
	case <-reconnected:
	case <-time.After(30 * time.Second):
		t.Fatal("no resubscription within 30 s of Redis coming back")
	}
	require.NoError(t, b.Publish(context.Background(), []byte("two")))
	require.Eventually(t, func() bool { return len(in.got()) == 2 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"one", "two"}, in.got())
	assert.Contains(t, logs.String(), "subscribed again after losing Redis")
}
