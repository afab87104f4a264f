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
	"strings"

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

// Tab is what SessionMiddleware hands the page handler: the new session's
// token, for the server only, and the tab reference to put in the page.
type Tab struct {
	Token string
	Ref   string
}

type tabKey struct{}

// TabFromContext returns the Tab SessionMiddleware stored in ctx.
func TabFromContext(ctx context.Context) (Tab, bool) {
	t, ok := ctx.Value(tabKey{}).(Tab)
	return t, ok
}

// SessionMiddleware creates a session for each request it wraps, one per
// page load and so one per tab, holding the data init returns (nil data
// when init is nil). It sets the browser cookie when missing and refreshes
// its lifetime, and passes the session's Tab to next through the request
// context (TabFromContext).
func SessionMiddleware(r *statetemplate.Renderer, init func(*http.Request) (any, error), opts ...Option) func(http.Handler) http.Handler {
	cfg := newConfig(opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			var data any
			if init != nil {
				d, err := init(req)
				if err != nil {
					cfg.logger.Warn("live: initial data", "err", err)
					http.Error(w, "could not start a session", http.StatusInternalServerError)
					return
				}
				data = d
			}
			secret := ensureBrowserCookie(w, req, cfg)
			tok, err := r.CreateSession(req.Context(), data)
			if err != nil {
				cfg.logger.Warn("live: creating a session", "err", err)
				http.Error(w, "could not start a session", http.StatusServiceUnavailable)
				return
			}
			ref, err := sealRef(secret, tok)
			if err != nil {
				http.Error(w, "could not start a session", http.StatusInternalServerError)
				return
			}
			ctx := context.WithValue(req.Context(), tabKey{}, Tab{Token: tok, Ref: ref})
			next.ServeHTTP(w, req.WithContext(ctx))
		})
	}
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
