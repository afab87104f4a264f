package live

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/livefir/statetemplate"
)

// Params are a page's URL parameters: the wildcards of its pattern and the
// query string.
type Params struct{ r *http.Request }

// Path returns the value of the pattern's wildcard name ("id" in
// "/boards/{id}"), "" when the pattern has none of that name.
func (p Params) Path(name string) string { return p.r.PathValue(name) }

// Query returns the URL's query values.
func (p Params) Query() url.Values { return p.r.URL.Query() }

// URL returns the page's URL (path and query).
func (p Params) URL() *url.URL { return p.r.URL }

// ParamsFunc sets a page's data from its URL. It runs when the page is
// loaded, after the App's init, and on every live navigation to the page
// (a link with data-nav, the back button, Navigate). Return an error to
// refuse the URL: a page load then fails with 404, a navigation changes
// nothing.
type ParamsFunc[T any] func(ctx context.Context, data T, p Params) error

// page is one route of the App.
type page[T any] struct {
	pattern  string // http.ServeMux pattern, without a method
	template string // "" is the Renderer's own template
	params   ParamsFunc[T]
}

// Page serves the template of the Renderer's set called template ("" is
// the one given to statetemplate.New) at pattern, an http.ServeMux pattern
// without a method such as "/boards/{id}" ("/{$}" is the root only). One
// session follows the tab from page to page: a link marked data-nav, the
// back and forward buttons and Navigate change the URL, run the page's
// params (which may be nil) on the session's data, and send only what
// differs between the two pages. An App with no page serves the Renderer's
// own template at WithPagePath. Page panics on a template the Renderer
// does not have, a nil or bad pattern, or a call after the App started
// serving, as http.Handle does.
func (a *App[T]) Page(pattern, template string, params ParamsFunc[T]) {
	if !strings.HasPrefix(pattern, "/") || strings.ContainsAny(pattern, " \t") {
		panic(fmt.Sprintf("live: Page pattern %q must be a path pattern without a method", pattern))
	}
	if err := a.r.CheckData(template, reflect.Zero(reflect.TypeFor[T]()).Interface()); err != nil {
		panic(fmt.Sprintf("live: Page(%q, %q): %v", pattern, template, err))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mux != nil {
		panic("live: Page called after the App started serving")
	}
	a.pages = append(a.pages, page[T]{pattern: pattern, template: template, params: params})
}

// routes builds the App's mux once, at its first request.
func (a *App[T]) routes() *http.ServeMux {
	a.muxOnce.Do(func() {
		mux := http.NewServeMux()
		mux.HandleFunc("GET "+a.cfg.socketPath, a.serveSocket)
		mux.HandleFunc("POST "+a.cfg.socketPath+"/upload", a.serveUpload)
		mux.Handle("GET "+a.cfg.scriptPath, statetemplate.ClientScript)
		mux.Handle("GET "+strings.TrimSuffix(a.cfg.scriptPath, ".js")+"-plus.js", statetemplate.ClientPlusScript)
		a.mu.Lock()
		pages := a.pages
		if len(pages) == 0 {
			p := a.cfg.pagePath
			if p == "/" {
				p = "/{$}"
			}
			pages = []page[T]{{pattern: p}}
		}
		a.mux = mux
		a.mu.Unlock()
		for i := range pages {
			p := &pages[i]
			mux.Handle("GET "+p.pattern, a.pageHandler(p))
		}
	})
	return a.mux
}

// pageHandler serves p's page loads; for a route lookup (see route) it only
// reports the match.
func (a *App[T]) pageHandler(p *page[T]) http.Handler {
	serve := a.tabs.middleware(p.prepare, http.HandlerFunc(a.servePage))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m, ok := r.Context().Value(matchKey{}).(*match[T]); ok {
			m.page, m.req = p, r
			return
		}
		serve.ServeHTTP(w, r)
	})
}

// prepare applies p's params to a new session's data and names its
// template.
func (p *page[T]) prepare(r *http.Request, data any) (string, error) {
	if p.params != nil {
		d, _ := data.(T)
		if err := p.params(r.Context(), d, Params{r}); err != nil {
			return "", err
		}
	}
	return p.template, nil
}

type matchKey struct{}

// match is what route learns from the mux.
type match[T any] struct {
	page *page[T]
	req  *http.Request
}

// route finds the page that serves raw, a path (and query) on this host,
// and the page load it stands for: base (a WebSocket handshake, with the
// browser's headers and cookies) at raw's URL, with the page pattern's
// wildcards set. It returns nil when raw is not a page of this App.
func (a *App[T]) route(base *http.Request, raw string) (*page[T], *http.Request) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		return nil, nil
	}
	if base == nil { // a push: no browser request stands behind it
		base = &http.Request{Header: http.Header{}}
		base = base.WithContext(context.Background())
	}
	m := &match[T]{}
	r := base.Clone(context.WithValue(base.Context(), matchKey{}, m))
	r.Method = http.MethodGet
	r.URL = &url.URL{Path: u.Path, RawQuery: u.RawQuery}
	r.RequestURI = r.URL.RequestURI()
	a.routes().ServeHTTP(discard{}, r)
	if m.req != nil {
		m.req = m.req.WithContext(base.Context())
	}
	return m.page, m.req
}

// discard is a ResponseWriter for route lookups.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
