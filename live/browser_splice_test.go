package live_test

import (
	"context"
	"html/template"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/browsertest"
	"github.com/livefir/statetemplate/live"
)

// logPage is a paragraph whose text is also a list's container: its text
// changes by text records, and lines are appended to it.
type logPage struct {
	Head  string
	Lines []int
}

var logSet = template.Must(template.New("log").Parse(`<!DOCTYPE html>
<html><head><title>Log</title></head><body>
<div id="log">The log of the day: {{.Head}}{{range .Lines}}<p id="line-{{.}}">line {{.}}</p>{{end}}</div>
<button id="head" data-action="head">head</button>
<button id="line" data-action="line">line</button>
<button id="clear" data-action="clear">clear</button>
</body></html>`))

// After a line was appended to an element whose text a text record set,
// the next text record of it (the lines gone, the text changed) is not
// spliced from that text: the browser's text holds the line's too, and a
// splice of it showed "The log of the day: zline 1" for "… z". The page
// ends as a fresh load of the same state has it.
func TestBrowser_ATextAfterAnAppendToItsElementIsNotSplicedFromTheTextBefore(t *testing.T) {
	srv, _ := serveApp(t, logSet, func(*http.Request) (*logPage, error) { return &logPage{Head: "x"}, nil },
		func(app *live.App[*logPage]) {
			app.Page("/{$}", "", nil)
			app.Handle("head", func(_ context.Context, d *logPage, _ live.Message) error {
				d.Head = "y"
				return nil
			})
			app.Handle("line", func(_ context.Context, d *logPage, _ live.Message) error {
				d.Lines = append(d.Lines, len(d.Lines)+1)
				return nil
			})
			app.Handle("clear", func(_ context.Context, d *logPage, _ live.Message) error {
				d.Head, d.Lines = "z", nil
				return nil
			})
		})
	tab := browsertest.Start(t).NewTab(t)
	tab.Navigate(srv.URL + "/")
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	steps := []struct{ button, until string }{
		{"head", `document.getElementById("log").textContent === "The log of the day: y"`},
		{"line", `!!document.getElementById("line-1")`},
		{"clear", `!document.getElementById("line-1")`},
	}
	for _, s := range steps {
		tab.Exec(`document.getElementById("` + s.button + `").click()`)
		tab.WaitFor(s.until)
		tab.WaitFor(`!document.querySelector("[data-st-loading]")`)
	}
	require.Empty(t, tab.Exceptions())
	got := tab.Snapshot("#log")
	assert.Equal(t, "The log of the day: z", browsertest.Eval[string](tab, `document.getElementById("log").textContent`))
	tab.Navigate(srv.URL + "/")
	tab.WaitFor(`document.documentElement.dataset.stStatus === "open"`)
	assert.Equal(t, tab.Snapshot("#log"), got, "the page a fresh load gives")
}
