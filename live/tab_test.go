package live_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/live"
)

func TestSessionMiddleware_SetsTheSecureCookie(t *testing.T) {
	tests := []struct {
		name       string
		tls        bool
		opts       []live.Option
		wantSecure bool
		wantSame   http.SameSite
		header     http.Header
	}{
		{"plain HTTP", false, nil, false, http.SameSiteLaxMode, nil},
		{"TLS sets Secure", true, nil, true, http.SameSiteLaxMode, nil},
		{"forced Secure behind a proxy", false, []live.Option{live.WithSecureCookie()}, true, http.SameSiteLaxMode, nil},
		{"Strict on request", false, []live.Option{live.WithSameSite(http.SameSiteStrictMode)}, false, http.SameSiteStrictMode, nil},
		{"a proxy's X-Forwarded-Proto https sets Secure", false, nil, true, http.SameSiteLaxMode,
			http.Header{"X-Forwarded-Proto": {"https"}}},
		{"a proxy's Forwarded proto=https sets Secure", false, nil, true, http.SameSiteLaxMode,
			http.Header{"Forwarded": {`for=192.0.2.60;proto=https;by=203.0.113.43`}}},
		{"X-Forwarded-Proto http leaves it off", false, nil, false, http.SameSiteLaxMode,
			http.Header{"X-Forwarded-Proto": {"http"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			var gotTab live.Tab
			h := live.SessionMiddleware(ts.r, nil, tc.opts...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotTab, _ = live.TabFromContext(r.Context())
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.tls {
				req = httptest.NewRequest(http.MethodGet, "https://example.com/", nil)
			}
			for k, v := range tc.header {
				req.Header[k] = v
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			cookies := rec.Result().Cookies()
			require.Len(t, cookies, 1)
			c := cookies[0]
			assert.Equal(t, "st_browser", c.Name)
			assert.True(t, c.HttpOnly)
			assert.Equal(t, "/", c.Path)
			assert.Equal(t, tc.wantSecure, c.Secure)
			assert.Equal(t, tc.wantSame, c.SameSite)
			assert.Equal(t, int((30 * 24 * time.Hour).Seconds()), c.MaxAge)
			assert.NotEmpty(t, gotTab.Token)
			assert.NotEmpty(t, gotTab.Ref)
			assert.NotContains(t, gotTab.Ref, gotTab.Token, "the reference must not reveal the token")
		})
	}
}

func TestSessionMiddleware_KeepsAnExistingBrowserCookie(t *testing.T) {
	ts := newTestServer(t)
	h := live.SessionMiddleware(ts.r, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	first := rec.Result().Cookies()[0]

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: first.Name, Value: first.Value})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, first.Value, rec.Result().Cookies()[0].Value, "tabs of one browser share its cookie")
}

func TestInjectScript(t *testing.T) {
	tag := `<script></script>`
	tests := []struct {
		name, page, want string
	}{
		{"before </head>", "<html><head><title>x</title></head><body></body></html>",
			"<html><head><title>x</title><script></script></head><body></body></html>"},
		{"upper-case HEAD", "<HEAD></HEAD><BODY></BODY>", "<HEAD><script></script></HEAD><BODY></BODY>"},
		{"no head: before the last </body>", "<body><p>a</p></body>", "<body><p>a</p><script></script></body>"},
		{"neither: appended", "<p>a</p>", "<p>a</p><script></script>"},
		// Session data in the head whose lower case has another byte length
		// must not move the tag (nor panic): İ and the Kelvin sign shrink,
		// invalid UTF-8 grows.
		{"dotted capital I in the title", "<head><title>İİİİ</title></head><body></body>",
			"<head><title>İİİİ</title><script></script></head><body></body>"},
		{"Kelvin sign in the title", "<head><title>\u212a\u212a</title></head>",
			"<head><title>\u212a\u212a</title><script></script></head>"},
		{"invalid UTF-8 in the title", "<head><title>\xff\xff\xff\xff\xff</title></head>",
			"<head><title>\xff\xff\xff\xff\xff</title><script></script></head>"},
		{"invalid UTF-8 before </body>", "<body>\xff\xff\xff\xff\xff\xff\xff</body>",
			"<body>\xff\xff\xff\xff\xff\xff\xff<script></script></body>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NotPanics(t, func() { live.InjectScript(tc.page, tag) })
			assert.Equal(t, tc.want, live.InjectScript(tc.page, tag))
		})
	}
}

func TestScriptTag_EscapesAttributes(t *testing.T) {
	got := live.ScriptTag(`a"b`, "/s.js", "/ws?x=1&y=2")
	assert.Equal(t, `<script src="/s.js?v=5" data-ref="a&#34;b" data-url="/ws?x=1&amp;y=2" defer></script>`, got)
	got = live.ScriptTag("r", "/s.js?cdn=1", "/ws")
	assert.Equal(t, `<script src="/s.js?cdn=1&amp;v=5" data-ref="r" data-url="/ws" defer></script>`, got, "a script path with a query")
}
