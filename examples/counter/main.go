// Command counter is the smallest live page: a number and two buttons.
package main

import (
	"context"
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

func main() {
	r, err := statetemplate.New(page)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	app, err := live.New(r, func(*http.Request) (*Counter, error) { return &Counter{}, nil })
	if err != nil {
		log.Fatal(err)
	}
	app.Handle("inc", func(_ context.Context, c *Counter, _ live.Message) error {
		c.Count++
		return nil
	})
	app.Handle("dec", func(_ context.Context, c *Counter, _ live.Message) error {
		c.Count = max(c.Count-1, 0)
		return nil
	})
	log.Println("counter: http://localhost:8080")
	log.Fatal(http.ListenAndServe(":8080", app))
}
