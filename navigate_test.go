package statetemplate_test

import (
	"context"
	"html/template"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

// site is a template set of two pages that share a layout.
var site = template.Must(template.New("list").Parse(`<body><nav id="nav">{{.User}}</nav><main id="main"><h1>List</h1>{{range .Items}}<p id="i-{{.}}">{{.}}</p>{{end}}</main></body>`))

func init() {
	template.Must(site.New("item").Parse(`<body><nav id="nav">{{.User}}</nav><main id="main"><h1>Item {{.Open}}</h1></main></body>`))
}

type siteData struct {
	User  string
	Items []string
	Open  string
}

func TestSessionTemplate_RendersTheNamedTemplate(t *testing.T) {
	r := newRendererOf(t, site)
	tok, err := r.CreateSession(context.Background(), &siteData{User: "ann", Open: "b"}, statetemplate.SessionTemplate("item"))
	require.NoError(t, err)
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	assert.Contains(t, html, "<h1>Item b</h1>")
}

func TestNavigate_SendsOnlyWhatThePagesDoNotShare(t *testing.T) {
	r := newRendererOf(t, site)
	ctx := context.Background()
	d := &siteData{User: "ann", Items: []string{"a", "b"}}
	_, s := openRendered(t, r, d)

	d.Open = "b"
	ups, err := s.Navigate(ctx, "item", d)
	require.NoError(t, err)
	require.Len(t, ups, 1, "the shared nav is not sent again")
	assert.Equal(t, "main", ups[0].FragmentID)
	assert.Equal(t, `<main id="main"><h1>Item b</h1></main>`, ups[0].HTML)

	d.Open = "a"
	ups, err = s.RenderFragments(ctx, d)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Contains(t, ups[0].HTML, "Item a", "later renders use the new template")

	ups, err = s.Navigate(ctx, "", d)
	require.NoError(t, err)
	assert.Contains(t, updatesHTML(ups), `<p id="i-a">a</p>`, `"" is the renderer's own template again`)
}

func TestNavigate_UnknownTemplateFailsAndChangesNothing(t *testing.T) {
	r := newRendererOf(t, site)
	d := &siteData{User: "ann"}
	tok, s := openRendered(t, r, d)
	_, err := s.Navigate(context.Background(), "nope", d)
	require.ErrorIs(t, err, statetemplate.ErrTemplateNotFound)
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	assert.Contains(t, html, "<h1>List</h1>")

	_, err = r.CreateSession(context.Background(), d, statetemplate.SessionTemplate("nope"))
	require.ErrorIs(t, err, statetemplate.ErrTemplateNotFound)
}

func TestNavigate_TemplateSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	opts := []statetemplate.Option{statetemplate.WithBoltStore(path), statetemplate.WithDataTypes(&siteData{})}
	r, err := statetemplate.New(site, opts...)
	require.NoError(t, err)
	d := &siteData{User: "ann"}
	tok, err := r.CreateSession(context.Background(), d)
	require.NoError(t, err)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	d.Open = "z"
	_, err = s.Navigate(context.Background(), "item", d)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, r.Close())

	r, err = statetemplate.New(site, opts...)
	require.NoError(t, err)
	defer r.Close()
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	assert.Contains(t, html, "<h1>Item z</h1>")
}

func TestRenderFragments_ATitleChangeIsOneTitleUpdate(t *testing.T) {
	tmpl := template.Must(template.New("t").Parse(`<html><head><title>({{.N}}) Inbox</title></head><body><p id="n">{{.N}}</p></body></html>`))
	r := newRendererOf(t, tmpl)
	_, s := openRendered(t, r, &struct{ N int }{1})
	ups, err := s.RenderFragments(context.Background(), &struct{ N int }{2})
	require.NoError(t, err)
	require.Len(t, ups, 2)
	assert.Equal(t, "n", ups[0].FragmentID)
	assert.Equal(t, statetemplate.ActionTitle, ups[1].Action)
	assert.Equal(t, "(2) Inbox", ups[1].HTML)
}
