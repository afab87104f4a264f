package statetemplate_test

import (
	"context"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/testclock"
)

// page is the data of the core tests' template: Owner is a marker unique
// to a session, so any leak between sessions shows in its HTML.
type page struct {
	Owner string
	Count int
	Items []string
}

const pageSource = `<!DOCTYPE html><html><head><title>t</title></head><body>
<h1 id="owner">{{.Owner}}</h1>
<p id="count">Count: {{.Count}}</p>
<ul id="items">{{range .Items}}<li id="item-{{.}}">{{.}} of {{$.Owner}}</li>{{end}}</ul>
</body></html>`

var pageTmpl = template.Must(template.New("page").Parse(pageSource))

func newRenderer(t testing.TB, opts ...statetemplate.Option) *statetemplate.Renderer {
	t.Helper()
	return newRendererOf(t, pageTmpl, opts...)
}

// newRendererOf returns a renderer of tmpl, closed when the test ends.
func newRendererOf(t testing.TB, tmpl *template.Template, opts ...statetemplate.Option) *statetemplate.Renderer {
	t.Helper()
	r, err := statetemplate.New(tmpl, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// newClock returns a settable clock for WithClock.
func newClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
}

// updatesHTML joins the HTML of updates, for content checks.
func updatesHTML(us []statetemplate.Update) string {
	var b strings.Builder
	for _, u := range us {
		b.WriteString(u.HTML)
	}
	return b.String()
}

// createRendered creates a session holding d and renders its page (step
// 1), returning its token.
func createRendered(t testing.TB, r *statetemplate.Renderer, d any) string {
	t.Helper()
	tok, err := r.CreateSession(context.Background(), d)
	require.NoError(t, err)
	_, err = r.RenderPage(tok)
	require.NoError(t, err)
	return tok
}

// openRendered creates a session holding d, renders its page (step 1) and
// opens a handle on it (step 2), closed when the test ends.
func openRendered(t testing.TB, r *statetemplate.Renderer, d any) (string, *statetemplate.Session) {
	t.Helper()
	tok := createRendered(t, r, d)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return tok, s
}
