package live

import (
	"log/slog"
	"net/http"
	"time"
)

// config holds what the options set. Every field has a usable default.
type config struct {
	pagePath, socketPath, scriptPath string

	origins      []string
	maxMessage   int64         // bytes per browser message
	ratePerSec   float64       // sustained actions per second per connection
	rateBurst    int           // actions allowed at once
	sendBuffer   int           // messages queued per connection
	writeTimeout time.Duration // per message

	cookieName   string
	cookieMaxAge time.Duration
	sameSite     http.SameSite
	secureCookie bool

	logger *slog.Logger
}

func newConfig(opts []Option) *config {
	c := &config{
		pagePath:     "/",
		socketPath:   "/ws",
		scriptPath:   "/statetemplate.js",
		maxMessage:   16 << 10,
		ratePerSec:   20,
		rateBurst:    40,
		sendBuffer:   64,
		writeTimeout: 10 * time.Second,
		cookieName:   "st_browser",
		cookieMaxAge: 30 * 24 * time.Hour,
		sameSite:     http.SameSiteLaxMode,
		logger:       slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Option configures an App or SessionMiddleware.
type Option func(*config)

// WithPagePath sets the path the page is served at (default "/").
func WithPagePath(p string) Option { return func(c *config) { c.pagePath = p } }

// WithSocketPath sets the WebSocket endpoint's path (default "/ws").
func WithSocketPath(p string) Option { return func(c *config) { c.socketPath = p } }

// WithScriptPath sets the browser client's path (default "/statetemplate.js").
func WithScriptPath(p string) Option { return func(c *config) { c.scriptPath = p } }

// WithOrigins allows WebSocket handshakes from pages on other hosts, given
// as host patterns matched with path.Match ("example.com",
// "*.example.com"). The request's own host is always allowed.
func WithOrigins(patterns ...string) Option {
	return func(c *config) { c.origins = append(c.origins, patterns...) }
}

// WithMaxMessageBytes limits one browser message (default 16 KiB). A larger
// message closes the connection with 1009.
func WithMaxMessageBytes(n int64) Option { return func(c *config) { c.maxMessage = n } }

// WithRateLimit allows each connection perSecond actions sustained and
// burst at once (default 20 and 40). Actions beyond it are dropped with a
// "rate_limited" error message.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) { c.ratePerSec, c.rateBurst = perSecond, burst }
}

// WithSendBuffer sets how many messages may wait for one slow connection
// (default 64). When it overflows the connection is closed with 1013.
func WithSendBuffer(n int) Option { return func(c *config) { c.sendBuffer = max(n, 1) } }

// WithWriteTimeout bounds the write of one message (default 10 s). A
// connection that cannot take a message in time is closed.
func WithWriteTimeout(d time.Duration) Option { return func(c *config) { c.writeTimeout = d } }

// WithCookieName sets the browser cookie's name (default "st_browser").
func WithCookieName(name string) Option { return func(c *config) { c.cookieName = name } }

// WithCookieMaxAge sets the browser cookie's lifetime, renewed on every page
// load (default 30 days).
func WithCookieMaxAge(d time.Duration) Option { return func(c *config) { c.cookieMaxAge = d } }

// WithSameSite sets the browser cookie's SameSite mode (default Lax; see the
// package documentation for why not Strict).
func WithSameSite(m http.SameSite) Option { return func(c *config) { c.sameSite = m } }

// WithSecureCookie marks the cookie Secure even on plain HTTP requests, for
// servers behind a TLS-terminating proxy. Under TLS, and when a proxy sends
// X-Forwarded-Proto: https or Forwarded: proto=https, it is always Secure.
func WithSecureCookie() Option { return func(c *config) { c.secureCookie = true } }

// WithLogger sets the logger for failed actions and connections. The
// default discards everything.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }
