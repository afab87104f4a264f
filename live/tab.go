package live

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/livefir/statetemplate"
)

// ErrBadReference is returned for a tab reference that does not open with
// the browser's cookie: tampered, truncated, or from another browser.
var ErrBadReference = errors.New("live: tab reference does not open with this browser's cookie")

const (
	secretSize = 32
	refInfo    = "statetemplate/live tab reference v1"
	// maxRefLen bounds the work done on an untrusted reference.
	maxRefLen = 1024
)

var b64 = base64.RawURLEncoding

// Tab is what SessionMiddleware hands the page handler: the page's
// session token, for the server only, the tab reference to put in the
// page, and Resumed, set when the page continues the session of the same
// tab's previous page (a reload) rather than a new one.
type Tab struct {
	Token   string
	Ref     string
	Resumed string

	resumeCookie string // the name the client writes the resume cookie under
}

// ScriptTag returns the <script> element that loads the client for this
// tab, from scriptPath, connecting to socketPath.
func (t Tab) ScriptTag(scriptPath, socketPath string) string {
	return scriptTag(t.Ref, scriptPath, socketPath, t.Resumed, t.resumeCookie)
}

type tabKey struct{}

// TabFromContext returns the Tab SessionMiddleware stored in ctx.
func TabFromContext(ctx context.Context) (Tab, bool) {
	t, ok := ctx.Value(tabKey{}).(Tab)
	return t, ok
}

// SessionMiddleware gives each page load a session and passes its Tab to
// next through the request context (TabFromContext). A reload of a tab
// continues that tab's session (see the package documentation); any other
// load creates a provisional session holding the data init returns (nil
// data when init is nil), which is stored only once the page connects.
// It sets the browser cookie when missing and refreshes its lifetime, and
// refuses page loads past the per-address limit (WithPageRateLimit) with
// 429 Too Many Requests.
func SessionMiddleware(r *statetemplate.Renderer, init func(*http.Request) (any, error), opts ...Option) func(http.Handler) http.Handler {
	t := newTabs(r, init, newConfig(opts))
	return func(next http.Handler) http.Handler { return t.middleware(nil, next) }
}

// prepareFunc adjusts a new session's data for the page being loaded and
// names the template that renders it.
type prepareFunc func(r *http.Request, data any) (template string, err error)

// tabs creates and resumes the sessions of page loads.
type tabs struct {
	r     *statetemplate.Renderer
	init  func(*http.Request) (any, error)
	cfg   *config
	pages *pageLimiter
}

func newTabs(r *statetemplate.Renderer, init func(*http.Request) (any, error), cfg *config) *tabs {
	return &tabs{r: r, init: init, cfg: cfg, pages: newPageLimiter(cfg.pageRate, cfg.pageBurst, cfg.logger)}
}

// middleware gives each page load a session (see SessionMiddleware);
// prepare, when not nil, adjusts a new session's data and names its
// template.
func (t *tabs) middleware(prepare prepareFunc, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !t.pages.allow(t.cfg.clientAddr(req), time.Now()) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many page loads; try again in a moment", http.StatusTooManyRequests)
			return
		}
		secret := ensureBrowserCookie(w, req, t.cfg)
		tab, ok := t.resume(w, req, secret)
		if !ok {
			var err error
			if tab, err = t.create(req, secret, prepare); err != nil {
				if errors.Is(err, errParams) {
					t.cfg.logger.Debug("live: page parameters refused", "url", req.URL.String(), "err", err)
					http.NotFound(w, req)
					return
				}
				status := http.StatusServiceUnavailable
				if errors.Is(err, errInit) {
					status = http.StatusInternalServerError
				}
				t.cfg.logger.Warn("live: starting a session for a page load", "path", req.URL.Path, "err", err)
				http.Error(w, "could not start a session", status)
				return
			}
		}
		ctx := context.WithValue(req.Context(), tabKey{}, tab)
		next.ServeHTTP(w, req.WithContext(ctx))
	})
}

// errInit marks a failure of the app's init function, errParams a page's
// params refusing its URL.
var (
	errInit   = errors.New("live: the app's initial data")
	errParams = errors.New("live: the page's params")
)

// create starts a provisional session for a page load.
func (t *tabs) create(req *http.Request, secret []byte, prepare prepareFunc) (Tab, error) {
	var data any
	if t.init != nil {
		d, err := t.init(req)
		if err != nil {
			return Tab{}, fmt.Errorf("%w: %w", errInit, err)
		}
		data = d
	}
	var tmpl string
	if prepare != nil {
		var err error
		if tmpl, err = prepare(req, data); err != nil {
			return Tab{}, fmt.Errorf("%w: %w", errParams, err)
		}
	}
	tok, err := t.r.CreateSession(req.Context(), data, statetemplate.Provisional(), statetemplate.SessionTemplate(tmpl))
	if err != nil {
		return Tab{}, err
	}
	ref, err := sealRef(secret, tok)
	if err != nil {
		return Tab{}, err
	}
	return Tab{Token: tok, Ref: ref, resumeCookie: t.resumeCookie()}, nil
}

// resume continues the session that this browser's reloading tab left in
// the resume cookie: the client writes "ref.nonce" there as its page goes
// away, for a few seconds. The cookie is cleared whatever it holds.
func (t *tabs) resume(w http.ResponseWriter, req *http.Request, secret []byte) (Tab, bool) {
	name := t.resumeCookie()
	c, err := req.Cookie(name)
	if err != nil {
		return Tab{}, false
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, SameSite: t.cfg.sameSite})
	// ref.nonce.url: the page's path and query, escaped; only a reload of
	// that URL continues the session.
	parts := strings.SplitN(c.Value, ".", 3)
	if len(parts) != 3 || !validNonce(parts[1]) {
		return Tab{}, false
	}
	ref, nonce := parts[0], parts[1]
	if u, err := url.PathUnescape(parts[2]); err != nil || u != req.URL.RequestURI() {
		return Tab{}, false
	}
	tok, err := openRef(secret, ref)
	if err != nil || !t.r.ValidateToken(tok) {
		return Tab{}, false
	}
	fresh, err := sealRef(secret, tok)
	if err != nil {
		return Tab{}, false
	}
	return Tab{Token: tok, Ref: fresh, Resumed: nonce, resumeCookie: t.resumeCookie()}, true
}

// resumeCookie names the resume cookie after the browser cookie.
func (t *tabs) resumeCookie() string { return t.cfg.cookieName + "_resume" }

// validNonce accepts the client's nonces: 8 to 32 lower-case hex digits.
func validNonce(s string) bool {
	if len(s) < 8 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ensureBrowserCookie returns the browser's secret, minting and setting a
// new one when the request has none (or a malformed one).
func ensureBrowserCookie(w http.ResponseWriter, r *http.Request, cfg *config) []byte {
	secret, ok := browserSecret(r, cfg.cookieName)
	if !ok {
		secret = make([]byte, secretSize)
		rand.Read(secret)
	}
	http.SetCookie(w, &http.Cookie{
		Name:     cfg.cookieName,
		Value:    b64.EncodeToString(secret),
		Path:     "/",
		MaxAge:   int(cfg.cookieMaxAge.Seconds()),
		HttpOnly: true,
		Secure:   cfg.secureCookie || r.TLS != nil || forwardedHTTPS(r),
		SameSite: cfg.sameSite,
	})
	return secret
}

// forwardedHTTPS reports whether a TLS-terminating proxy says the browser
// used https (X-Forwarded-Proto or Forwarded). The header is trusted only
// to add Secure, which a spoofed value can only make stricter for the
// client that sent it.
func forwardedHTTPS(r *http.Request) bool {
	if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); strings.EqualFold(strings.TrimSpace(p), "https") {
		return true
	}
	first, _, _ := strings.Cut(r.Header.Get("Forwarded"), ",")
	for pair := range strings.SplitSeq(first, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
		if strings.EqualFold(k, "proto") && strings.EqualFold(strings.Trim(v, `"`), "https") {
			return true
		}
	}
	return false
}

// browserSecret reads the browser cookie.
func browserSecret(r *http.Request, name string) ([]byte, bool) {
	c, err := r.Cookie(name)
	if err != nil {
		return nil, false
	}
	s, err := b64.DecodeString(c.Value)
	if err != nil || len(s) != secretSize {
		return nil, false
	}
	return s, true
}

func refAEAD(secret []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, refInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealRef seals token into a tab reference that only secret opens.
func sealRef(secret []byte, token string) (string, error) {
	aead, err := refAEAD(secret)
	if err != nil {
		return "", fmt.Errorf("live: sealing a tab reference: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(token)+aead.Overhead())
	rand.Read(nonce)
	return b64.EncodeToString(aead.Seal(nonce, nonce, []byte(token), nil)), nil
}

// openRef returns the token sealed in ref. Any failure wraps ErrBadReference.
func openRef(secret []byte, ref string) (string, error) {
	if len(ref) > maxRefLen {
		return "", fmt.Errorf("%w: %d bytes", ErrBadReference, len(ref))
	}
	raw, err := b64.DecodeString(ref)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadReference, err)
	}
	aead, err := refAEAD(secret)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadReference, err)
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", fmt.Errorf("%w: too short", ErrBadReference)
	}
	tok, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return "", ErrBadReference
	}
	return string(tok), nil
}
