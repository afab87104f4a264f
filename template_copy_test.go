package statetemplate_test

import (
	"context"
	"html/template"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

// New works from a copy of its template, whichever way the renderer
// renders (whole, or part by part): functions bound with Funcs and
// templates added to the set after New are not seen, neither when a page
// is rendered whole nor in its updates.
func TestNew_ChangesToTheTemplateAfterNewAreNotSeen(t *testing.T) {
	for name, opts := range map[string][]statetemplate.Option{
		"incremental": nil,
		"whole":       {statetemplate.WithFullRendering()},
	} {
		t.Run(name, func(t *testing.T) {
			tmpl := template.Must(template.New("page").Funcs(template.FuncMap{"who": func() string { return "first" }}).Parse(
				`<!DOCTYPE html><html><head><title>t</title></head><body><p id="n">{{who}} {{.Count}}</p></body></html>`))
			r := newRendererOf(t, tmpl, opts...)
			tmpl.Funcs(template.FuncMap{"who": func() string { return "second" }})
			template.Must(tmpl.New("late").Parse(`<!DOCTYPE html><html><body>late</body></html>`))

			assert.False(t, r.HasTemplate("late"), "a template added after New")
			tok, s := openRendered(t, r, &page{Count: 1})
			html, err := r.RenderPage(tok)
			require.NoError(t, err)
			assert.Contains(t, html, "first 1")
			assert.NotContains(t, html, "second")
			ups, err := s.RenderFragments(context.Background(), &page{Count: 2})
			require.NoError(t, err)
			require.NotEmpty(t, ups)
			assert.Contains(t, updatesHTML(ups), "first 2")
			assert.NotContains(t, updatesHTML(ups), "second")
		})
	}
}
