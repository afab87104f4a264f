package statetemplate_test

import (
	"context"
	"fmt"
	"html/template"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/livefir/statetemplate"
)

type Counter struct {
	Name  string
	Count int
}

var counterTmpl = template.Must(template.New("counter").Parse(
	`<body><h1 id="name">{{.Name}}</h1><p id="count">{{.Count}} clicks</p></body>`))

// The two-step flow: an HTTP handler creates a session and renders its
// page; the WebSocket handler opens the session with the same token and
// turns each data change into fragment updates.
func Example() {
	r, err := statetemplate.New(counterTmpl)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	// Step 1, in the page handler (ctx would be the request's context).
	tok, _ := r.CreateSession(context.Background(), &Counter{Name: "demo"})
	html, _ := r.RenderPage(tok)
	fmt.Println(html)

	// Step 2, in the WebSocket handler, with the token from the cookie.
	s, err := r.GetSession(tok)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	data := s.Data().(*Counter)
	data.Count++ // the user clicked
	updates, _ := s.RenderFragments(context.Background(), data)
	for _, u := range updates {
		fmt.Println(u.Action, u.FragmentID, u.HTML)
	}
	// Output:
	// <body><h1 id="name">demo</h1><p id="count">0 clicks</p></body>
	// text count 1 clicks
}

// WithDataChanged names, on the first update of each render, the paths of
// the data that changed.
func ExampleWithDataChanged() {
	r, _ := statetemplate.New(counterTmpl, statetemplate.WithDataChanged())
	defer r.Close()
	tok, _ := r.CreateSession(context.Background(), &Counter{Name: "demo"})
	r.RenderPage(tok)
	s, _ := r.GetSession(tok)
	defer s.Close()
	updates, _ := s.RenderFragments(context.Background(), &Counter{Name: "demo", Count: 1})
	fmt.Println(updates[0].DataChanged)
	// Output: [Count]
}

// WithVolatileFuncs names functions whose output varies between calls with
// the same arguments: the parts that call them render on every update, the
// others only when their data changed.
func ExampleWithVolatileFuncs() {
	served := 0
	tmpl := template.Must(template.New("p").Funcs(template.FuncMap{
		"served": func(what string) string { served++; return fmt.Sprint(what, " #", served) },
	}).Parse(`<body><h1 id="name">{{.Name}}</h1><p id="count">{{.Count}} clicks</p>` +
		`<p>Each click is counted on the server and sent to this page as the few fragments that changed, ` +
		`never the whole page: a long page costs no more to update than a short one.</p>` +
		`<p id="served">{{served "page"}}</p></body>`))
	r, _ := statetemplate.New(tmpl, statetemplate.WithVolatileFuncs("served"))
	defer r.Close()
	tok, _ := r.CreateSession(context.Background(), &Counter{Name: "demo"})
	_, _ = r.RenderPage(tok)
	s, _ := r.GetSession(tok)
	defer s.Close()
	updates, _ := s.RenderFragments(context.Background(), &Counter{Name: "demo", Count: 1})
	for _, u := range updates {
		fmt.Println(u.Action, u.FragmentID, u.HTML)
	}
	// Output:
	// text count 1 clicks
	// text served page #2
}

// Equal data gives a single no-op update: nothing to send.
func ExampleSession_RenderFragments_noOp() {
	r, _ := statetemplate.New(counterTmpl)
	defer r.Close()
	tok, _ := r.CreateSession(context.Background(), &Counter{Name: "demo", Count: 3})
	_, _ = r.RenderPage(tok)
	s, _ := r.GetSession(tok)
	defer s.Close()

	updates, _ := s.RenderFragments(context.Background(), &Counter{Name: "demo", Count: 3})
	fmt.Println(len(updates), updates[0].IsNoOp)
	// Output: 1 true
}

// Key rotation across a restart: the new key comes first, the old one
// after it. Tokens sealed with the old key keep working; new tokens, and
// refreshed ones, use the new key.
func ExampleWithSecurity() {
	oldKey := []byte("old secret, at least 32 bytes long")
	newKey := []byte("new secret, at least 32 bytes long")
	dir, _ := os.MkdirTemp("", "rotation")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sessions.db")

	before, _ := statetemplate.New(counterTmpl, statetemplate.WithSecurity(oldKey),
		statetemplate.WithBoltStore(path), statetemplate.WithDataTypes(&Counter{}))
	tok, _ := before.CreateSession(context.Background(), &Counter{Name: "rotated"})
	before.Close() // deploy with the new key

	after, _ := statetemplate.New(counterTmpl, statetemplate.WithSecurity(newKey, oldKey),
		statetemplate.WithBoltStore(path), statetemplate.WithDataTypes(&Counter{}))
	defer after.Close()
	fmt.Println("old token valid:", after.ValidateToken(tok))
	fresh, _ := after.RefreshToken(tok)
	fmt.Println("old token after refresh:", after.ValidateToken(tok))
	fmt.Println("new token valid:", after.ValidateToken(fresh))
	// Output:
	// old token valid: true
	// old token after refresh: false
	// new token valid: true
}

// Per-session lifetimes override the renderer's.
func ExampleSessionExpiration() {
	r, _ := statetemplate.New(counterTmpl, statetemplate.WithExpiration(24*time.Hour))
	defer r.Close()
	tok, _ := r.CreateSession(context.Background(), &Counter{Name: "short"},
		statetemplate.SessionExpiration(15*time.Minute), statetemplate.SessionIdleTimeout(5*time.Minute))
	fmt.Println(r.ValidateToken(tok))
	// Output: true
}

// Ending a session: its tokens stop working everywhere.
func ExampleRenderer_InvalidateSession() {
	r, _ := statetemplate.New(counterTmpl)
	defer r.Close()
	tok, _ := r.CreateSession(context.Background(), &Counter{})
	_ = r.InvalidateSession(tok)
	_, err := r.GetSession(tok)
	fmt.Println(err != nil, r.ValidateToken(tok))
	// Output: true false
}

// Refreshing a token, for example after the user signs in: the session
// and its data continue under the new token; the old one stops working.
func ExampleRenderer_RefreshToken() {
	r, _ := statetemplate.New(counterTmpl)
	defer r.Close()
	old, _ := r.CreateSession(context.Background(), &Counter{Name: "kept", Count: 2})
	fresh, _ := r.RefreshToken(old)
	s, _ := r.GetSession(fresh)
	defer s.Close()
	fmt.Println(r.ValidateToken(old), r.ValidateToken(fresh), s.Data().(*Counter).Name)
	// Output: false true kept
}
