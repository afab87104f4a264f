package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/live"
)

type album struct{ Photos []string }

// newAlbumServer serves an app whose "add" action reads uploaded files.
func newAlbumServer(t *testing.T, opts ...live.Option) (*httptest.Server, chan string) {
	t.Helper()
	paths := make(chan string, 4)
	tmpl := template.Must(template.New("a").Parse(`<body><ul id="p">{{range .Photos}}<li>{{.}}</li>{{end}}</ul></body>`))
	srv, _ := serveApp(t, tmpl, func(*http.Request) (*album, error) { return &album{}, nil }, func(app *live.App[*album]) {
		app.Handle("add", func(_ context.Context, a *album, m live.Message) error {
			for _, f := range m.Files("photo") {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				a.Photos = append(a.Photos, f.Name+":"+f.ContentType+":"+string(b))
				paths <- f.Path()
			}
			return nil
		})
	}, opts...)
	return srv, paths
}

// upload posts files as the client does and returns the status and body.
func (b *browser) upload(base, ref string, files map[string]string) (int, string) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for name, content := range files {
		fw, err := w.CreateFormFile("photo", name)
		require.NoError(b.t, err)
		fw.Write([]byte(content))
	}
	require.NoError(b.t, w.Close())
	req, err := http.NewRequest(http.MethodPost, base+"/ws/upload?ref="+url.QueryEscape(ref), &body)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func TestUpload_FilesReachTheActionAndAreDeletedAfterIt(t *testing.T) {
	srv, paths := newAlbumServer(t)
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	ws := b.mustDial(srv.URL, ref)

	code, body := b.upload(srv.URL, ref, map[string]string{"../../cat.txt": "meow"})
	require.Equal(t, http.StatusOK, code, body)
	var refs map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &refs))
	send(t, ws, `{"action":"add","photo":`+string(refs["photo"])+`,"_seq":1}`)
	assert.Contains(t, mustRead(t, ws).html(), "<li>cat.txt:text/plain; charset=utf-8:meow</li>", "a clean name and a sniffed type")
	assert.Equal(t, "1", mustRead(t, ws).Error["ack"])
	_, err := os.Stat(<-paths)
	assert.True(t, os.IsNotExist(err), "the file is gone once the handler returned")

	send(t, ws, `{"action":"add","photo":`+string(refs["photo"])+`,"_seq":2}`)
	assert.Equal(t, "2", mustRead(t, ws).Error["ack"], "a file serves one action: the second finds nothing")
}

func TestUpload_AnotherSessionCannotClaimAFile(t *testing.T) {
	srv, _ := newAlbumServer(t)
	a, b := newBrowser(t), newBrowser(t)
	refA, _ := a.load(srv.URL)
	a.mustDial(srv.URL, refA)
	_, body := a.upload(srv.URL, refA, map[string]string{"secret.txt": "a's"})
	var refs map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &refs))

	refB, _ := b.load(srv.URL)
	ws := b.mustDial(srv.URL, refB)
	send(t, ws, `{"action":"add","photo":`+string(refs["photo"])+`,"_seq":1}`)
	rp := mustRead(t, ws)
	assert.Equal(t, "1", rp.Error["ack"], "nothing changed: only the ack comes")

	code, _ := b.upload(srv.URL, refA, map[string]string{"x.txt": "x"})
	assert.Equal(t, http.StatusForbidden, code, "a reference opens only with its own browser's cookie")
}

func TestUpload_OverTheLimitIsRefusedAndLeavesNothing(t *testing.T) {
	srv, _ := newAlbumServer(t, live.WithUploadLimits(8, 2, 100))
	b := newBrowser(t)
	ref, _ := b.load(srv.URL)
	b.mustDial(srv.URL, ref)
	code, _ := b.upload(srv.URL, ref, map[string]string{"big.txt": strings.Repeat("x", 9)})
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
	code, _ = b.upload(srv.URL, ref, map[string]string{"a": "1", "b": "2", "c": "3"})
	assert.Equal(t, http.StatusRequestEntityTooLarge, code, "too many files")
}
