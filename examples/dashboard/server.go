package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

//go:embed dashboard.html
var pageSource string

var page = template.Must(template.New("dashboard").Funcs(template.FuncMap{"default": defaultValue}).Parse(pageSource))

// defaultValue is the template's `default`: the fallback when v is its
// type's zero value.
func defaultValue(fallback, v any) any {
	if v == nil || reflect.ValueOf(v).IsZero() {
		return fallback
	}
	return v
}

// config is what main's flags set.
type config struct {
	db       string           // bbolt session file; "" keeps sessions in memory
	tick     time.Duration    // server push interval
	pageRate float64          // page loads per second per address; 0 means none
	tasks    int              // tasks a new tab starts with, at least the design's two
	now      func() time.Time // the clock of pages, actions and ticks; nil is time.Now
	logger   *slog.Logger
}

// server is the running dashboard: renderer, live app and ticker.
type server struct {
	r    *statetemplate.Renderer
	app  *live.App[*DashboardData]
	http *http.Server

	now  func() time.Time // the clock of pages, actions and ticks
	stop chan struct{}
	wg   sync.WaitGroup
}

func newServer(cfg config) (*server, error) {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	opts := []statetemplate.Option{
		statetemplate.WithDataTypes(&DashboardData{}),
		statetemplate.WithLogger(cfg.logger),
	}
	if cfg.db != "" {
		opts = append(opts, statetemplate.WithBoltStore(cfg.db))
	}
	r, err := statetemplate.New(page, opts...)
	if err != nil {
		return nil, err
	}
	app, err := live.New(r, func(req *http.Request) (*DashboardData, error) {
		now := cfg.now()
		d, err := newTab(req, now)
		if err == nil {
			d.fill(cfg.tasks, now)
		}
		return d, err
	}, live.WithLogger(cfg.logger),
		live.WithPageRateLimit(cfg.pageRate, 3*int(cfg.pageRate)))
	if err != nil {
		r.Close()
		return nil, err
	}
	register(app, cfg.now)
	s := &server{r: r, app: app, now: cfg.now, stop: make(chan struct{})}
	s.http = &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	if cfg.tick > 0 {
		s.wg.Add(1)
		go s.ticker(cfg.tick)
	}
	return s, nil
}

// maxUserName bounds ?user=: a page load's query ends up in the session.
const maxUserName = 64

// newTab is a new tab's data; ?user=Name and ?admin=0 change the header.
func newTab(r *http.Request, now time.Time) (*DashboardData, error) {
	q := r.URL.Query()
	user := []rune(strings.ToValidUTF8(q.Get("user"), "\uFFFD"))
	if len(user) > maxUserName {
		user = user[:maxUserName]
	}
	if len(user) == 0 {
		user = []rune("Ada Lovelace")
	}
	b := make([]byte, 3)
	rand.Read(b)
	return newDashboard(string(user), q.Get("admin") != "0", "tab-"+hex.EncodeToString(b), now), nil
}

// ticker pushes the clock and live figures to every open page.
func (s *server) ticker(every time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			s.app.UpdateAll(ctx, func(_ context.Context, d *DashboardData) error {
				d.tick(s.now())
				return nil
			})
			cancel()
		}
	}
}

// serve serves on l until Shutdown.
func (s *server) serve(l net.Listener) error {
	if err := s.http.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// shutdown stops accepting, closes the WebSockets with "going away" so
// pages reconnect to the next server, and flushes the sessions to disk.
func (s *server) shutdown(ctx context.Context) error {
	close(s.stop)
	s.wg.Wait()
	err := s.http.Shutdown(ctx)
	s.app.Close()
	return errors.Join(err, s.r.Close())
}
