package live_test

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

type clicks struct{ N int }

// A live counter: the page, its client script and its WebSocket are all
// served by the App. Buttons name their action with data-action.
func Example() {
	page := template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><title>Clicks</title></head>
<body><p id="n">{{.N}}</p><button data-action="click">+1</button></body></html>`))
	r, err := statetemplate.New(page)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	app, err := live.New(r, func(*http.Request) (*clicks, error) { return &clicks{}, nil })
	if err != nil {
		panic(err)
	}
	defer app.Close()
	app.Handle("click", func(_ context.Context, c *clicks, _ live.Message) error {
		c.N++
		return nil
	})

	srv := httptest.NewServer(app) // http.ListenAndServe(":8080", app) in a real program
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(strings.Contains(string(body), `<p id="n">0</p>`))
	fmt.Println(strings.Contains(string(body), `<script src="/statetemplate.js?v=5" data-ref="`))
	fmt.Println(resp.Cookies()[0].HttpOnly)
	// Output:
	// true
	// true
	// true
}
