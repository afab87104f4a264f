package statetemplate_test

import (
	"context"
	"fmt"
	"html/template"
	"os"
	"path/filepath"

	"github.com/livefir/statetemplate"
)

type Cart struct {
	Items []string
}

// Count is called by the template: it works after a restart because the
// renderer restores *Cart, registered with WithDataTypes.
func (c *Cart) Count() int { return len(c.Items) }

// Sessions in a bbolt file survive a restart: the same token renders the
// same page in the next process.
func ExampleWithBoltStore() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sessions.db")
	tmpl := template.Must(template.New("cart").Parse(`<p id="cart">{{.Count}} items</p>`))
	open := func() *statetemplate.Renderer {
		r, err := statetemplate.New(tmpl, statetemplate.WithBoltStore(path), statetemplate.WithDataTypes(&Cart{}))
		if err != nil {
			panic(err)
		}
		return r
	}

	r := open()
	tok, _ := r.CreateSession(context.Background(), &Cart{Items: []string{"tea", "milk"}})
	before, _ := r.RenderPage(tok)
	r.Close() // a deploy

	r = open()
	defer r.Close()
	after, _ := r.RenderPage(tok)
	fmt.Println(after)
	fmt.Println("same page after restart:", before == after)
	// Output:
	// <p id="cart">2 items</p>
	// same page after restart: true
}
