// Command counter is the smallest live page: a number and two buttons.
// Every tab has its own count, kept in counter.db: it survives reloads and
// restarts.
package main

import (
	"context"
	"flag"
	"html/template"
	"log"
	"net/http"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

// Counter is one tab's state.
type Counter struct{ Count int }

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><title>Counter</title></head>
<body>
  <h1 id="count">{{.Count}}</h1>
  <button data-action="dec" {{if le .Count 0}}disabled{{end}}>-1</button>
  <button data-action="inc">+1</button>
</body></html>`))

// newApp serves the counter with sessions in the bbolt file db.
func newApp(db string) (*live.App[*Counter], *statetemplate.Renderer, error) {
	r, err := statetemplate.New(page, statetemplate.WithBoltStore(db))
	if err != nil {
		return nil, nil, err
	}
	app, err := live.New(r, func(*http.Request) (*Counter, error) { return &Counter{}, nil })
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	app.Handle("inc", func(_ context.Context, c *Counter, _ live.Message) error {
		c.Count++
		return nil
	})
	app.Handle("dec", func(_ context.Context, c *Counter, _ live.Message) error {
		c.Count = max(c.Count-1, 0)
		return nil
	})
	return app, r, nil
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	db := flag.String("db", "counter.db", "session file (bbolt)")
	flag.Parse()
	app, r, err := newApp(*db)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	defer app.Close()
	log.Printf("counter: serving on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, app))
}
