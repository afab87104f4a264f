package statetemplate_test

import (
	"context"
	"html/template"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/memory"
)

type twoPages struct {
	Count int
	Clock string
	Note  string
}

const (
	pageMany = `<body><main id="main"><p id="count">{{.Count}}</p><p id="note">{{.Note}}</p><p id="x">{{.Count}}{{.Note}}</p>
<p id="y">{{.Note}}{{.Count}}</p><footer id="footer" data-cache="false">Clock: {{.Clock}}</footer></main></body>`
	pageFew = `<body><main id="main"><p id="count">{{.Count}}</p>
<footer id="footer" data-cache="false">Time: {{.Clock}}</footer></main></body>`
)

// TestRenderFragments_SessionOfAnotherRendererOnASharedStoreRendersItsOwnPage
// gives a renderer, by its token, a session another renderer (of another
// template of the same name, for data of the same type) made and updated,
// as two renderers sharing one store and key do: its update is that of a
// full render of its own template from the page the browser has, not one
// made from the other template's memo (nor a panic).
func TestRenderFragments_SessionOfAnotherRendererOnASharedStoreRendersItsOwnPage(t *testing.T) {
	ctx := context.Background()
	key := statetemplate.WithSecurity([]byte(strings.Repeat("k", 32)))
	parse := func(src string) *template.Template { return template.Must(template.New("page").Parse(src)) }
	updatesOf := func(full bool) []statetemplate.Update {
		store := sharedStore{memory.New(-1)}
		var opts []statetemplate.Option
		if full {
			opts = append(opts, statetemplate.WithFullRendering())
		}
		a := newRendererOf(t, parse(pageMany), append(opts, statetemplate.WithCustomStore(store), key)...)
		b := newRendererOf(t, parse(pageFew), append(opts, statetemplate.WithCustomStore(store), key)...)
		d := &twoPages{Clock: "10:00", Note: "n"}
		tok := create(t, a, d)
		_, err := a.RenderPage(tok)
		require.NoError(t, err)
		s, err := a.GetSession(tok)
		require.NoError(t, err)
		for i := range 4 { // the footer re-sent unchanged: a's memo keeps its HTML
			_, err := s.RenderFragments(ctx, &twoPages{Count: i + 1, Clock: "10:00", Note: "n"})
			require.NoError(t, err)
		}
		require.NoError(t, s.Close())
		s, err = b.GetSession(tok)
		require.NoError(t, err)
		defer s.Close()
		ups, err := s.RenderFragments(ctx, &twoPages{Count: 9, Clock: "10:00", Note: "n"})
		require.NoError(t, err)
		return ups
	}
	want := updatesOf(true)
	require.NotEmpty(t, want)
	requireSameUpdates(t, want, updatesOf(false), func() string { return "" })
}
