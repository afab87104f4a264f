package live_test

import (
	"context"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/live"
)

// kanban is the test app of pages and navigation: a list of boards and a
// board page that share a layout.
type kanban struct {
	User  string
	Board string
	Tab   string
}

var kanbanSet = template.Must(template.New("boards").Parse(
	`<html><head><title>Boards</title></head><body><nav id="nav">{{.User}}</nav><main id="main"><h1>All boards</h1></main></body></html>`))

func init() {
	template.Must(kanbanSet.New("board").Parse(
		`<html><head><title>Board {{.Board}}</title></head><body><nav id="nav">{{.User}}</nav><main id="main"><h1>Board {{.Board}}</h1><p id="tab">{{.Tab}}</p></main></body></html>`))
}

func newKanbanServer(t *testing.T) (*httptest.Server, *live.App[*kanban]) {
	t.Helper()
	return serveApp(t, kanbanSet, func(*http.Request) (*kanban, error) { return &kanban{User: "ann"}, nil }, func(app *live.App[*kanban]) {
		app.Page("/{$}", "", nil)
		app.Page("/boards/{id}", "board", func(_ context.Context, k *kanban, p live.Params) error {
			if p.Path("id") == "missing" {
				return errors.New("no such board")
			}
			k.Board, k.Tab = p.Path("id"), p.Query().Get("tab")
			return nil
		})
		app.Handle("open", func(ctx context.Context, k *kanban, m live.Message) error {
			live.Navigate(ctx, "/boards/"+m.String("id"))
			return nil
		})
		app.Handle("leave", func(ctx context.Context, _ *kanban, _ live.Message) error {
			live.Navigate(ctx, "/elsewhere")
			return nil
		})
	})
}

func TestPage_LoadRunsTheParamsOfTheMatchedPattern(t *testing.T) {
	srv, _ := newKanbanServer(t)
	b := newBrowser(t)
	resp, err := b.client.Get(srv.URL + "/boards/7?tab=done")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "<h1>Board 7</h1>")
	assert.Contains(t, string(body), `<p id="tab">done</p>`)
	assert.Contains(t, string(body), "<title>Board 7</title>")

	for path, want := range map[string]int{"/boards/missing": http.StatusNotFound, "/nope": http.StatusNotFound} {
		resp, err := b.client.Get(srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, path)
	}
}

func TestNavigate_ChangesPageWithoutALoadAndSendsOnlyTheDifference(t *testing.T) {
	srv, _ := newKanbanServer(t)
	b := newBrowser(t)
	ref, body := b.load(srv.URL)
	require.Contains(t, body, "All boards")
	ws := b.mustDial(srv.URL, ref)

	send(t, ws, `{"action":"_nav","_url":"/boards/3?tab=todo","_seq":1}`)
	ups := mustRead(t, ws)
	require.NotEmpty(t, ups.Updates)
	assert.Contains(t, ups.html(), "<h1>Board 3</h1>")
	assert.NotContains(t, ups.html(), `id="nav"`, "the shared layout is not sent")
	var title string
	for _, u := range ups.Updates {
		if u.Action == statetemplate.ActionTitle {
			title = u.HTML
		}
	}
	assert.Equal(t, "Board 3", title)
	rp := mustRead(t, ws)
	assert.Equal(t, "1", rp.Error["ack"], "the navigation is acknowledged")
	assert.Equal(t, "/boards/3?tab=todo", rp.Error["nav"])

	send(t, ws, `{"action":"_nav","_url":"/boards/missing","_seq":2}`)
	rp = mustRead(t, ws)
	assert.Equal(t, "action_failed", rp.Error["error"], "a page's params can refuse a URL")

	send(t, ws, `{"action":"open","id":"9","_seq":3}`)
	assert.Contains(t, mustRead(t, ws).html(), "Board 9")
	assert.Equal(t, "/boards/9", mustRead(t, ws).Error["nav"], "a handler can navigate")

	send(t, ws, `{"action":"leave","_seq":4}`)
	assert.Equal(t, "/elsewhere", mustRead(t, ws).Error["redirect"], "a URL that is no page of the App is loaded")
}

func TestPage_PanicsOnAnUnknownTemplate(t *testing.T) {
	r, err := statetemplate.New(kanbanSet)
	require.NoError(t, err)
	defer r.Close()
	app, err := live.New(r, func(*http.Request) (*kanban, error) { return &kanban{}, nil })
	require.NoError(t, err)
	defer app.Close()
	assert.Panics(t, func() { app.Page("/x", "nope", nil) })
	assert.Panics(t, func() { app.Page("GET /x", "", nil) })
	app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/statetemplate.js", nil))
	assert.Panics(t, func() { app.Page("/late", "board", nil) }, "pages are registered before serving")
}

func TestNew_RegistersTheDataTypeWithADurableRenderer(t *testing.T) {
	r, err := statetemplate.New(kanbanSet, statetemplate.WithBoltStore(t.TempDir()+"/s.db"))
	require.NoError(t, err)
	defer r.Close()
	app, err := live.New(r, func(*http.Request) (*kanban, error) { return &kanban{User: "bo"}, nil })
	require.NoError(t, err)
	defer app.Close()
	srv := httptest.NewServer(app)
	defer srv.Close()
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	ws := b.mustDial(srv.URL, ref) // the connection stores the session: its type must be known
	ws.CloseNow()
	assert.True(t, strings.HasPrefix(srv.URL, "http"))
}

func TestNew_FailsWhenTheTemplateDoesNotFitTheData(t *testing.T) {
	r, err := statetemplate.New(template.Must(template.New("p").Parse(`<body><p id="c">{{.Cuont}}</p></body>`)))
	require.NoError(t, err)
	defer r.Close()
	_, err = live.New(r, func(*http.Request) (*counter, error) { return &counter{}, nil })
	require.ErrorIs(t, err, statetemplate.ErrTemplateData)
	assert.Contains(t, err.Error(), "Cuont")
}
