package redisbroker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultChannel is the channel used when Config.Channel is empty.
const DefaultChannel = "statetemplate:live"

// subscribeWait bounds how long Subscribe waits for Redis to confirm the
// subscription before returning anyway (go-redis keeps trying).
const subscribeWait = 5 * time.Second

// Config tunes a Broker. The zero value works.
type Config struct {
	// Channel is the Redis channel the servers of one app share (default
	// DefaultChannel). Apps sharing one Redis need channels of their own.
	Channel string
	// Logger receives the warnings: a subscription lost and regained, a
	// publish that failed. Default slog.Default().
	Logger *slog.Logger
	// OnReconnect, if set, runs each time the subscription is restored
	// after the connection to Redis was lost: publishes made meanwhile by
	// other servers were lost. It runs on the goroutine that receives
	// messages and must return quickly; live.App.Publish does.
	OnReconnect func()
}

// Broker is a live.Broker over Redis Pub/Sub.
type Broker struct {
	c   redis.UniversalClient
	cfg Config
	// sharded: on a Cluster, SPUBLISH and SSUBSCRIBE (Redis 7): the
	// channel's messages all go through the master of its slot, in order.
	// A plain PUBLISH goes to any node and reaches the others over the
	// cluster bus, so that one publisher's messages arrive interleaved.
	sharded bool
}

// New returns a Broker publishing and subscribing on c. Closing c is the
// caller's, after the Apps using the Broker are closed. On a
// *redis.ClusterClient it uses sharded Pub/Sub, which needs Redis 7.
func New(c redis.UniversalClient, cfg Config) *Broker {
	if cfg.Channel == "" {
		cfg.Channel = DefaultChannel
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	_, sharded := c.(*redis.ClusterClient)
	return &Broker{c: c, cfg: cfg, sharded: sharded}
}

// Publish sends msg on the channel.
func (b *Broker) Publish(ctx context.Context, msg []byte) error {
	cmd, name := b.c.Publish, "PUBLISH"
	if b.sharded {
		cmd, name = b.c.SPublish, "SPUBLISH"
	}
	if err := cmd(ctx, b.cfg.Channel, msg).Err(); err != nil {
		return fmt.Errorf("redisbroker: %s on %q: %w", name, b.cfg.Channel, err)
	}
	return nil
}

// Subscribe subscribes to the channel on a connection of its own and
// calls deliver, from one goroutine, with each message, until stop. It
// waits up to five seconds for Redis to confirm the subscription; when
// Redis is unreachable it logs a warning and returns all the same, and the
// subscription starts once Redis answers (as after an outage).
func (b *Broker) Subscribe(deliver func(msg []byte)) (stop func(), err error) {
	subscribe := b.c.Subscribe
	if b.sharded {
		subscribe = b.c.SSubscribe
	}
	ps := subscribe(context.Background(), b.cfg.Channel)
	ch := ps.ChannelWithSubscriptions()
	r := &receiver{b: b, deliver: deliver}
	select {
	case m, ok := <-ch:
		if ok {
			r.handle(m)
		}
	case <-time.After(subscribeWait):
	}
	if !r.subscribed {
		r.late = true
		b.cfg.Logger.Warn("redisbroker: Redis has not confirmed the subscription; publishes from other servers arrive once it does",
			"channel", b.cfg.Channel)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for m := range ch {
			r.handle(m)
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = ps.Close()
			wg.Wait()
		})
	}, nil
}

// receiver handles what the subscription receives.
type receiver struct {
	b          *Broker
	deliver    func([]byte)
	subscribed bool // Redis has confirmed the subscription once
	late       bool // Subscribe returned before it did
}

func (r *receiver) handle(m any) {
	switch m := m.(type) {
	case *redis.Message:
		r.subscribed = true
		r.deliver([]byte(m.Payload))
	case *redis.Subscription:
		if m.Kind != "subscribe" && m.Kind != "ssubscribe" {
			return
		}
		switch {
		case !r.subscribed && !r.late:
			r.subscribed = true
			return
		case !r.subscribed:
			r.subscribed = true
			r.b.cfg.Logger.Warn("redisbroker: Redis confirmed the subscription at last; publishes from other servers made before were lost",
				"channel", r.b.cfg.Channel)
		default:
			r.b.cfg.Logger.Warn("redisbroker: subscribed again after losing Redis; publishes from other servers made meanwhile were lost",
				"channel", r.b.cfg.Channel)
		}
		if r.b.cfg.OnReconnect != nil {
			r.b.cfg.OnReconnect()
		}
	}
}
