package statetemplate_test

import (
	"context"
	"fmt"
	"html/template"
	"log"

	"github.com/livefir/statetemplate"
)

// Two servers configured like this share their sessions through Redis.
// (Compiled, not run: it needs a Redis.)
func ExampleWithRedisStore() {
	type Page struct{ Title string }
	tmpl := template.Must(template.New("p").Parse(`<h1 id="t">{{.Title}}</h1>`))
	r, err := statetemplate.New(tmpl,
		statetemplate.WithRedisStore("redis://localhost:6379/0", statetemplate.RedisKeyPrefix("myapp:")),
		statetemplate.WithDataTypes(&Page{}),
	)
	if err != nil {
		log.Fatal(err) // Redis unreachable at start: wraps ErrStoreUnavailable
	}
	defer r.Close()
	tok, err := r.CreateSession(context.Background(), &Page{Title: "hello"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.ValidateToken(tok))
}

func ExampleRenderer_Health() {
	tmpl := template.Must(template.New("p").Parse(`<p id="n">{{.}}</p>`))
	r, err := statetemplate.New(tmpl)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	if _, err := r.CreateSession(context.Background(), 1); err != nil {
		log.Fatal(err)
	}
	h := r.Health(context.Background())
	fmt.Println(h.Status, h.Available, h.Sessions)
	// Output: ok true 1
}
