// Command ticker serves a live stock ticker: a simulated market pushes its
// prices to every open tab, and each tab keeps a watchlist of its own and
// can pause the feed. Sessions are kept in a bbolt file, so a restarted
// server resumes every open page where it was.
//
//	go run ./examples/ticker [-addr :8080] [-db ticker.db] [-tick 1s]
//
// With -redis, sessions live in Redis and ticks cross servers
// (live/redisbroker): start several servers with the same -redis, one of
// them with the market (-market, the default) and the others with
// -market=false, and every tab follows the one market.
//
//	go run ./examples/ticker -redis localhost:6379 -addr :8080
//	go run ./examples/ticker -redis localhost:6379 -addr :8081 -market=false
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/examples/ticker/ticker"
	"github.com/livefir/statetemplate/live"
	"github.com/livefir/statetemplate/live/redisbroker"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	db := flag.String("db", "ticker.db", "session file (bbolt); empty keeps sessions in memory; unused with -redis")
	tick := flag.Duration("tick", time.Second, "how often the market ticks")
	redisAddr := flag.String("redis", "", "Redis address: sessions in Redis, ticks shared with the other servers on it")
	market := flag.Bool("market", true, "run the market on this server (with -redis, on one server only)")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := []statetemplate.Option{statetemplate.WithLogger(logger)}
	var appOpts []live.Option
	switch {
	case *redisAddr != "":
		client := redis.NewClient(&redis.Options{Addr: *redisAddr})
		defer client.Close()
		opts = append(opts, statetemplate.WithRedisClient(client))
		appOpts = append(appOpts, live.WithBroker(redisbroker.New(client, redisbroker.Config{Logger: logger})))
	case *db != "":
		opts = append(opts, statetemplate.WithBoltStore(*db))
	}
	r, err := statetemplate.New(ticker.Page, opts...)
	if err != nil {
		log.Fatal(err)
	}
	m := ticker.NewMarket(1, time.Now())
	app, err := ticker.New(r, m, append(appOpts, live.WithLogger(logger))...)
	if err != nil {
		r.Close()
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ticker: serving http://%s/\n", l.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *market {
		go ticker.Run(ctx, app, m, *tick)
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
			stop()
		}
	}()
	<-ctx.Done()
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	app.Close() // after Shutdown, which does not track WebSockets
	if err = errors.Join(err, r.Close()); err != nil {
		log.Print(err)
	}
}
