package live_test

import (
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/live"
)

type form struct {
	Title   string
	Session string
}

var formPage = template.Must(template.New("f").Parse(`<html><body><p id="t">{{.Title}}</p></body></html>`))

// newFormServer serves an app whose actions exercise the reply: field
// errors, flash notices, events and the session's ID.
func newFormServer(t *testing.T) (*httptest.Server, *live.App[*form]) {
	t.Helper()
	return serveApp(t, formPage, func(*http.Request) (*form, error) { return &form{}, nil }, func(app *live.App[*form]) {
		app.Handle("save", func(ctx context.Context, f *form, m live.Message) error {
			var in struct {
				Title string `json:"title"`
				Count int    `json:"count"`
			}
			if err := m.Decode(&in); err != nil {
				return err
			}
			f.Title = in.Title // then validation fails: nothing of it may stay
			if in.Title == "" {
				return live.FieldErrors{"title": "Enter a title."}
			}
			live.Flash(ctx, "success", "Saved.")
			live.PushEvent(ctx, "saved", map[string]int{"count": in.Count})
			f.Session = live.SessionID(ctx)
			return nil
		})
	})
}

func TestReply_AcknowledgesAnActionWithItsSequenceNumber(t *testing.T) {
	srv, _ := newFormServer(t)
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	ws := b.mustDial(srv.URL, ref)

	send(t, ws, `{"action":"save","title":"Hi","count":"2","_seq":7}`)
	assert.Contains(t, mustRead(t, ws).html(), ">Hi<")
	rp := mustRead(t, ws)
	assert.Equal(t, "7", rp.Error["ack"])
	assert.JSONEq(t, `[{"kind":"success","text":"Saved."}]`, rp.Error["flash"])
	assert.JSONEq(t, `[{"name":"saved","detail":{"count":2}}]`, rp.Error["events"])
	assert.Empty(t, rp.Error["error"])

	send(t, ws, `{"action":"save","title":"Ok"}`)
	mustRead(t, ws)
	rp = mustRead(t, ws)
	assert.Empty(t, rp.Error["ack"], "an action without _seq gets no ack")
}

func TestReply_FieldErrorsReachTheBrowserAndChangeNothing(t *testing.T) {
	srv, _ := newFormServer(t)
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	ws := b.mustDial(srv.URL, ref)

	send(t, ws, `{"action":"save","title":"","_seq":1}`)
	rp := mustRead(t, ws)
	assert.Equal(t, "invalid", rp.Error["error"])
	assert.JSONEq(t, `{"title":"Enter a title."}`, rp.Error["fields"])
	assert.Equal(t, "1", rp.Error["ack"])
	assert.Empty(t, rp.Error["flash"], "a failed action's notices are dropped")

	send(t, ws, `{"action":"save","title":"Hi","count":"two","_seq":2}`)
	rp = mustRead(t, ws)
	assert.JSONEq(t, `{"count":"must be a whole number"}`, rp.Error["fields"], "Decode's errors are field errors")
}

func TestUpdateAll_SendsWhatTheCallbackAskedToEveryConnection(t *testing.T) {
	srv, app := newFormServer(t)
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	ws := b.mustDial(srv.URL, ref)
	var ids []string
	require.NoError(t, app.UpdateAll(context.Background(), func(ctx context.Context, f *form) error {
		f.Title = "pushed"
		ids = append(ids, live.SessionID(ctx))
		live.Flash(ctx, "info", "News.")
		return nil
	}))
	assert.Contains(t, mustRead(t, ws).html(), "pushed")
	rp := mustRead(t, ws)
	assert.JSONEq(t, `[{"kind":"info","text":"News."}]`, rp.Error["flash"])
	require.Len(t, ids, 1)
	assert.Len(t, ids[0], 32, "callbacks know which session they run for")
	ws.Close(websocket.StatusNormalClosure, "")
}
