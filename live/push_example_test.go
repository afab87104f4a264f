package live_test

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

type quote struct{ Price string }

// Prices pushed to every tab: each tab subscribes when it connects, catches
// up with the latest price, and then gets every Publish.
func ExampleApp_Publish() {
	page := template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><title>Quote</title></head><body><p id="price">{{.Price}}</p></body></html>`))
	r, err := statetemplate.New(page)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	app, err := live.New(r, func(*http.Request) (*quote, error) { return &quote{Price: "-"}, nil })
	if err != nil {
		panic(err)
	}
	defer app.Close()
	latest := "100.0"
	live.HandleTopic(app, "price", func(_ context.Context, q *quote, price string) error {
		q.Price = price
		return nil
	})
	app.OnConnect(func(ctx context.Context, q *quote, _ *http.Request) error {
		live.Subscribe(ctx, "price")
		q.Price = latest
		return nil
	})
	srv := httptest.NewServer(app)
	defer srv.Close()

	ctx := context.Background()
	tab := browserTab(srv.URL) // what statetemplate.js does in a browser
	defer tab.CloseNow()
	fmt.Println(nextUpdates(tab)) // the connect hook's catch-up
	if err := app.Publish(ctx, "price", "101.5"); err != nil {
		panic(err)
	}
	fmt.Println(nextUpdates(tab))
	// Output:
	// text #price 100.0
	// text #price 101.5
}

// browserTab loads the page and connects its WebSocket, as a browser tab
// does, and reads the ready message.
func browserTab(base string) *websocket.Conn {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(base)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ref := regexp.MustCompile(`data-ref="([^"]+)"`).FindStringSubmatch(string(body))[1]
	cookie := resp.Cookies()[0]
	ws, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(base, "http")+"/ws?v=2&ref="+ref,
		&websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}})
	if err != nil {
		panic(err)
	}
	if _, ready, err := ws.Read(context.Background()); err != nil || string(ready) != `{"v":2}` {
		panic(fmt.Sprint("no ready message: ", err))
	}
	return ws
}

// nextUpdates reads the tab's next batch of updates and describes them.
func nextUpdates(ws *websocket.Conn) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, msg, err := ws.Read(ctx)
	if err != nil {
		panic(err)
	}
	batch, err := live.DecodeBatch(msg)
	if err != nil {
		panic(err)
	}
	var b strings.Builder
	for _, u := range batch.Updates {
		fmt.Fprintf(&b, "%s #%s %s", u.Action, u.FragmentID, u.HTML)
	}
	return b.String()
}

type quoteBoard struct{ Prices []string }

// A market's whole board pushed to thousands of tabs: with SharedPayload
// the board is decoded once per publish and every tab's handler reads the
// same value, so the handler copies the slice it keeps (and may change).
func ExampleSharedPayload() {
	page := template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><title>Board</title></head><body><p id="first">{{index .Prices 0}}</p></body></html>`))
	r, err := statetemplate.New(page)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	app, err := live.New(r, func(*http.Request) (*quoteBoard, error) { return &quoteBoard{Prices: []string{"-"}}, nil })
	if err != nil {
		panic(err)
	}
	defer app.Close()
	live.HandleTopic(app, "board", func(_ context.Context, b *quoteBoard, pushed quoteBoard) error {
		b.Prices = slices.Clone(pushed.Prices) // pushed is every tab's: never change it
		return nil
	}, live.SharedPayload())
	latest := []string{"100.0", "99.0"}
	app.OnConnect(func(ctx context.Context, b *quoteBoard, _ *http.Request) error {
		live.Subscribe(ctx, "board")
		b.Prices = slices.Clone(latest)
		return nil
	})
	srv := httptest.NewServer(app)
	defer srv.Close()

	tab := browserTab(srv.URL)
	defer tab.CloseNow()
	fmt.Println(nextUpdates(tab)) // the connect hook's catch-up: subscribed by now
	if err := app.Publish(context.Background(), "board", quoteBoard{Prices: []string{"101.5", "99.2"}}); err != nil {
		panic(err)
	}
	fmt.Println(nextUpdates(tab))
	// Output:
	// text #first 100.0
	// text #first 101.5
}
