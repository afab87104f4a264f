package statetemplate

import (
	"context"
	"html/template"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type profile struct {
	Name string
	Tags []string
}

type profileWithSecret struct {
	Name   string
	secret string
}

func (p *profileWithSecret) Secret() string { return p.secret }

var profileTmpl = template.Must(template.New("p").Parse(
	`<html><body><h1 id="name">{{.Name}}</h1>{{with .Secret}}<p id="secret">{{.}}</p>{{end}}</body></html>`))

var plainTmpl = template.Must(template.New("p").Parse(
	`<html><body><h1 id="name">{{.Name}}</h1><ul id="tags">{{range .Tags}}<li>{{.}}</li>{{end}}</ul></body></html>`))

// pageOf creates a session holding data and renders its first page,
// waiting for the render cache to apply its write.
func pageOf(t *testing.T, r *Renderer, data any) (string, string) {
	t.Helper()
	tok, err := r.CreateSession(context.Background(), data)
	require.NoError(t, err)
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	r.pages.pages.Wait()
	return tok, html
}

func renderCacheStats(t *testing.T, r *Renderer) (hits, misses uint64) {
	t.Helper()
	st, err := r.Stats(context.Background())
	require.NoError(t, err)
	return st.RenderCache.Hits, st.RenderCache.Misses
}

func newCachedRenderer(t *testing.T, tmpl *template.Template) *Renderer {
	t.Helper()
	r, err := New(tmpl, WithRenderCache(1<<20))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

func TestRenderCache_SharesThePageOfIdenticalData(t *testing.T) {
	r := newCachedRenderer(t, plainTmpl)
	_, first := pageOf(t, r, &profile{Name: "guest", Tags: []string{"new"}})
	_, second := pageOf(t, r, &profile{Name: "guest", Tags: []string{"new"}})

	assert.Equal(t, first, second)
	hits, misses := renderCacheStats(t, r)
	assert.Equal(t, uint64(1), hits, "the second identical session is served from the cache")
	assert.Equal(t, uint64(1), misses)
}

func TestRenderCache_DifferentDataIsRenderedForItsOwnSession(t *testing.T) {
	r := newCachedRenderer(t, plainTmpl)
	_, alice := pageOf(t, r, &profile{Name: "alice"})
	_, bob := pageOf(t, r, &profile{Name: "bob"})

	assert.Contains(t, alice, "alice")
	assert.Contains(t, bob, "bob")
	assert.NotContains(t, bob, "alice")
	hits, _ := renderCacheStats(t, r)
	assert.Zero(t, hits)
}

func TestRenderCache_NeverSharesTypesWithUnexportedFields(t *testing.T) {
	r := newCachedRenderer(t, profileTmpl)
	// Equal exported data, different unexported secrets that a method prints.
	_, a := pageOf(t, r, &profileWithSecret{Name: "twin", secret: "secret-of-a"})
	_, b := pageOf(t, r, &profileWithSecret{Name: "twin", secret: "secret-of-b"})

	assert.Contains(t, a, "secret-of-a")
	assert.Contains(t, b, "secret-of-b")
	assert.NotContains(t, b, "secret-of-a")
	hits, misses := renderCacheStats(t, r)
	assert.Zero(t, hits+misses, "such types bypass the cache entirely")
}

func TestRenderCache_InPlaceMutationIsCachedUnderWhatWasRendered(t *testing.T) {
	r := newCachedRenderer(t, plainTmpl)
	tokA, _ := pageOf(t, r, &profile{Name: "alice"})

	// The app mutates A's data in place and renders its page without a
	// RenderFragments: the page must be cached under the mutated data, not
	// under A's stored snapshot, which another session may share.
	s, err := r.GetSession(tokA)
	require.NoError(t, err)
	s.Data().(*profile).Name = "mallory"
	require.NoError(t, s.Close())
	pageA, err := r.RenderPage(tokA)
	require.NoError(t, err)
	require.Contains(t, pageA, "mallory")
	r.pages.pages.Wait()

	_, pageB := pageOf(t, r, &profile{Name: "alice"})
	assert.Contains(t, pageB, "alice")
	assert.NotContains(t, pageB, "mallory")
}

func TestRenderCache_UpdatesFromACachedPageAreMinimal(t *testing.T) {
	r := newCachedRenderer(t, plainTmpl)
	pageOf(t, r, &profile{Name: "guest", Tags: []string{"a"}})
	tok, _ := pageOf(t, r, &profile{Name: "guest", Tags: []string{"a"}}) // served from the cache

	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	ups, err := s.RenderFragments(context.Background(), &profile{Name: "carol", Tags: []string{"a"}})
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Equal(t, "name", ups[0].FragmentID)
	assert.Contains(t, ups[0].HTML, "carol")
}

func TestRenderCache_IsOffByDefault(t *testing.T) {
	r, err := New(plainTmpl)
	require.NoError(t, err)
	defer r.Close()
	assert.Nil(t, r.pages)
	for range 2 {
		tok, err := r.CreateSession(context.Background(), &profile{Name: "guest"})
		require.NoError(t, err)
		_, err = r.RenderPage(tok)
		require.NoError(t, err)
	}
	st, err := r.Stats(context.Background())
	require.NoError(t, err)
	assert.Zero(t, st.RenderCache.Hits+st.RenderCache.Misses)
}

func TestWithRenderCache_RejectsANonPositiveBudget(t *testing.T) {
	_, err := New(plainTmpl, WithRenderCache(0))
	assert.ErrorIs(t, err, ErrInvalidOption)
}

func TestRenderFragments_StateTheEncodingMissesStillUpdatesThePage(t *testing.T) {
	r, err := New(profileTmpl)
	require.NoError(t, err)
	defer r.Close()
	tok, err := r.CreateSession(context.Background(), &profileWithSecret{Name: "n", secret: "old"})
	require.NoError(t, err)
	_, err = r.RenderPage(tok)
	require.NoError(t, err)

	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	d := s.Data().(*profileWithSecret)
	d.secret = "new" // invisible to the encoding, visible to the template
	ups, err := s.RenderFragments(context.Background(), d)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.False(t, ups[0].IsNoOp)
	assert.Contains(t, ups[0].HTML, "new")

	ups, err = s.RenderFragments(context.Background(), d)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.True(t, ups[0].IsNoOp, "an unchanged page is still a no-op")
}
