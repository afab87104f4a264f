package statetemplate_test

import (
	"context"
	"html/template"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

type historyPage struct {
	Items []historyItem
	Empty []historyItem
}

type historyItem struct{ Name string }

// TestRenderFragments_RangeElseFailsAsTheTemplateDoes updates a page whose
// list part declares the page's variable again in its range and prints a
// field of it in its else: html/template binds the variable there to the
// empty list and fails, and so must the update, not show the page's item.
func TestRenderFragments_RangeElseFailsAsTheTemplateDoes(t *testing.T) {
	tmpl := template.Must(template.New("page").Parse(`<!DOCTYPE html><html><body>{{$c := index .Items 0}}` +
		`<ul id="list">{{range $c := .Empty}}<li>{{$c.Name}}</li>{{else}}<li>{{$c.Name}}</li>{{end}}</ul></body></html>`))
	r := newRendererOf(t, tmpl)
	d := &historyPage{Items: []historyItem{{Name: "the page's"}}, Empty: []historyItem{{Name: "one"}}}
	_, s := openRendered(t, r, d)

	next := &historyPage{Items: d.Items}
	require.Error(t, tmpl.Execute(io.Discard, next), "the template fails on a field of the empty list")
	ups, err := s.RenderFragments(context.Background(), next)
	require.Error(t, err, "the update fails as a full render does, not %v", ups)
}
