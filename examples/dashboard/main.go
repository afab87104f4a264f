// Command dashboard serves the design document's reference dashboard as a
// live page: statistics, notifications, a counter with limits and history,
// a task list and a server-pushed clock. Every tab has its own session,
// kept in a bbolt file, so a restarted server resumes every open page.
//
//	go run ./examples/dashboard [-addr :8080] [-db dashboard.db]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/livefir/statetemplate/live"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	db := flag.String("db", "dashboard.db", "session file (bbolt); empty keeps sessions in memory")
	tick := flag.Duration("tick", time.Second, "interval of the server-pushed updates")
	pageRate := flag.Float64("page-rate", live.DefaultPageRate, "page loads per second allowed per client address (0: no limit)")
	verbose := flag.Bool("v", false, "log connection events")
	flag.Parse()

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	s, err := newServer(config{db: *db, tick: *tick, pageRate: *pageRate, logger: logger})
	if err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("dashboard: serving http://%s/ (sessions in %s)\n", displayAddr(l.Addr()), orMemory(*db))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- s.serve(l) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.shutdown(shutCtx); err != nil {
		log.Print(err)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func displayAddr(a net.Addr) string {
	s := a.String()
	if strings.HasPrefix(s, "[::]:") || strings.HasPrefix(s, "0.0.0.0:") {
		return "localhost" + s[strings.LastIndex(s, ":"):]
	}
	return s
}

func orMemory(db string) string {
	if db == "" {
		return "memory"
	}
	return db
}
