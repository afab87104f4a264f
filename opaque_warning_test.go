package statetemplate_test

import (
	"bytes"
	"context"
	"html/template"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

// A <div> inside a <p>: browsers close the <p> first, so the fragments of
// this page cannot be tracked and every update replaces the body.
var malformed = template.Must(template.New("malformed").Parse(`<!DOCTYPE html><html><head><title>t</title></head><body>
<p>Intro <div id="count">{{.Count}}</div></p>
</body></html>`))

func TestRenderer_MalformedPageIsLoggedOncePerTemplateAndReason(t *testing.T) {
	var logs bytes.Buffer
	r := newRendererOf(t, malformed, statetemplate.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()
	for range 3 { // three sessions, two renders each
		_, s := openRendered(t, r, &page{Count: 1})
		ups, err := s.RenderFragments(ctx, &page{Count: 2})
		require.NoError(t, err)
		require.Len(t, ups, 1)
		assert.Equal(t, "", ups[0].FragmentID, "the body is replaced")
	}
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	assert.Contains(t, out, `problem="<div> inside an open <p> (browsers close the <p> first)"`)
	assert.Contains(t, out, "template=\"(the renderer's template)\"")
	assert.Contains(t, out, "offset=")
}

func TestRenderer_WellFormedPageLogsNothing(t *testing.T) {
	var logs bytes.Buffer
	r := newRenderer(t, statetemplate.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	_, s := openRendered(t, r, &page{Owner: "ann", Count: 1})
	_, err := s.RenderFragments(context.Background(), &page{Owner: "ann", Count: 2})
	require.NoError(t, err)
	assert.Empty(t, logs.String())
}

// A renderer never executes the template it was given, only its own copy:
// a page it renders whole (a session of nil data) leaves the template fit
// for another New, which still renders incrementally and warns of nothing.
func TestNew_RenderingLeavesTheGivenTemplateUnexecuted(t *testing.T) {
	tmpl := template.Must(template.New("page").Parse(pageSource))
	first := newRendererOf(t, tmpl)
	tok, err := first.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	_, err = first.RenderPage(tok)
	require.NoError(t, err)

	var logs bytes.Buffer
	newRendererOf(t, tmpl, statetemplate.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	assert.Empty(t, logs.String())
}
