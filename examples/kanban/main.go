// Command kanban is a live kanban board in one binary: boards and cards
// in three columns, live navigation between pages, forms with validation,
// a live filter, drag and drop through hooks, attachments, and every tab's
// state in a bbolt file that outlives restarts and reloads.
//
//	go run ./examples/kanban [-addr :8080] [-db kanban.db] [-files kanban-files]
package main

import (
	_ "embed"
	"flag"
	"html/template"
	"log"
	"net/http"
	"os"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

//go:embed pages.html
var pagesSource string

var pages = template.Must(template.New("").Parse(pagesSource))

// Columns and Labels, for the templates.
func (*Kanban) Columns() []string { return Columns }
func (*Kanban) Labels() []string  { return Labels }

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	db := flag.String("db", "kanban.db", "session file (bbolt)")
	files := flag.String("files", "kanban-files", "directory of attachments")
	flag.Parse()
	h, closeAll, err := newHandler(*db, *files)
	if err != nil {
		log.Fatal(err)
	}
	defer closeAll()
	log.Printf("kanban: serving on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}

// newHandler serves the kanban with sessions in the bolt file db and
// attachments in the directory files.
func newHandler(db, files string) (http.Handler, func(), error) {
	if err := os.MkdirAll(files, 0o755); err != nil {
		return nil, nil, err
	}
	r, err := statetemplate.New(pages.Lookup("boards"), statetemplate.WithBoltStore(db))
	if err != nil {
		return nil, nil, err
	}
	app, err := live.New(r, func(*http.Request) (*Kanban, error) { return newKanban(), nil })
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	register(app, files)
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(files))))
	mux.Handle("/", app)
	return mux, func() { app.Close(); r.Close() }, nil
}
