package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/examples/ticker/ticker"
	"github.com/livefir/statetemplate/live"
	"github.com/livefir/statetemplate/live/redisbroker"
)

// pushServer is what a -app ticker server adds: examples/ticker's App and
// market, which the tool makes tick (POST /debug/loadpublish), and the
// time from each publish to each push frame written, from live's
// PushObserver.
type pushServer struct {
	app    *live.App[*ticker.Board]
	market *ticker.Market
	frames *recorder
	client *goredis.Client // the broker's, with -broker
}

func newPushServer(r *statetemplate.Renderer, sc serverConfig) (*pushServer, error) {
	// Every server's market starts from the same board: a server that does
	// not publish shows the same prices until the first tick arrives.
	ps := &pushServer{market: ticker.NewMarket(1, time.Now()), frames: newRecorder()}
	opts := append(loadLimits(), live.WithPushObserver(func(d live.PushDelivery) {
		ps.frames.Record(d.Written.Sub(d.Published))
	}))
	if sc.workers > 0 {
		opts = append(opts, live.WithPushWorkers(sc.workers))
	}
	if sc.broker != "" {
		ro, err := redisClientOptions(sc.redisAddr)
		if err != nil {
			return nil, err
		}
		ps.client = goredis.NewClient(ro)
		opts = append(opts, live.WithBroker(redisbroker.New(ps.client, redisbroker.Config{Channel: sc.broker})))
	}
	app, err := ticker.New(r, ps.market, opts...)
	if err != nil {
		ps.close()
		return nil, err
	}
	ps.app = app
	return ps, nil
}

// publishAnswer is what /debug/loadpublish returns.
type publishAnswer struct {
	Seq int64 `json:"seq"`
}

// publish makes the market tick and publishes the tick.
func (ps *pushServer) publish(w http.ResponseWriter, req *http.Request) {
	t := ps.market.Next(time.Now())
	if err := ps.app.Publish(req.Context(), ticker.Topic, t); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(publishAnswer{Seq: t.Seq})
}

// close closes the broker's client, once the App is closed.
func (ps *pushServer) close() {
	if ps.client != nil {
		ps.client.Close()
	}
}

// redisClientOptions accepts an address (host:port) or a redis:// URL.
func redisClientOptions(addr string) (*goredis.Options, error) {
	if !strings.Contains(addr, "://") {
		return &goredis.Options{Addr: addr}, nil
	}
	o, err := goredis.ParseURL(addr)
	if err != nil {
		return nil, fmt.Errorf("-redis %q: %w", addr, err)
	}
	return o, nil
}
