package live

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"
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

	pageRate        float64 // page loads per second per client address
	pageBurst       int
	clientAddr      func(*http.Request) string
	maxConnsBrowser int           // live connections per browser cookie
	readTimeout     time.Duration // to receive a message once its first frame began
	closedTimeout   time.Duration // idle timeout of a session whose page closed
	lostTimeout     time.Duration // idle timeout of a session whose connection dropped

	maxUploadFile, maxUploadTotal int64
	maxUploadFiles                int

	compression websocket.CompressionMode
	windows     int // connections that may keep a compression window; 0: no limit
	pageBases   int64

	// Pushes: see options_push.go.
	broker       Broker
	pushWorkers  int // 0: GOMAXPROCS
	pushBacklog  int
	pushObserver PushObserver

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
		cookieName:   defaultCookieName,
		cookieMaxAge: 30 * 24 * time.Hour,
		sameSite:     http.SameSiteLaxMode,

		pageRate:        DefaultPageRate,
		pageBurst:       DefaultPageBurst,
		clientAddr:      RemoteAddr,
		maxConnsBrowser: DefaultMaxConnectionsPerBrowser,
		readTimeout:     DefaultReadTimeout,
		closedTimeout:   DefaultClosedPageTimeout,
		lostTimeout:     DefaultLostPageTimeout,

		maxUploadFile:  DefaultMaxUploadFileBytes,
		maxUploadTotal: DefaultMaxUploadTotalBytes,
		maxUploadFiles: DefaultMaxUploadFiles,

		compression: websocket.CompressionContextTakeover,
		windows:     DefaultCompressionWindows,
		pageBases:   DefaultPageBasesBytes,
		pushBacklog: DefaultPushBacklog,

		logger: slog.Default(),
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

const defaultCookieName = "st_browser"

// Option configures an App or SessionMiddleware.
type Option func(*config)

// WithPagePath sets the path the page is served at (default "/").
func WithPagePath(p string) Option { return func(c *config) { c.pagePath = p } }

// WithSocketPath sets the WebSocket endpoint's path (default "/ws"), a path
// without a query; uploads are served at this path + "/upload".
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

// WithLogger sets the logger for failures: a handler's internal error, a
// failed render or store write, a refused page load, a page that does not
// keep up with its connection. The default is
// slog.Default(), at its level; normal events are logged at Info or Debug.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Defaults of the limits.
const (
	DefaultPageRate                 = 20
	DefaultPageBurst                = 60
	DefaultMaxConnectionsPerBrowser = 64
	DefaultReadTimeout              = 10 * time.Second
	DefaultClosedPageTimeout        = 5 * time.Minute
	DefaultLostPageTimeout          = time.Hour
)

// WithPageRateLimit allows each client address perSecond page loads
// sustained and burst at once (default 20 and 60). A page load creates a
// session, so this bounds what anonymous requests can make the server
// hold; loads beyond it get 429 Too Many Requests with Retry-After. A
// perSecond of 0 removes the limit. Behind a proxy, set WithClientAddr.
func WithPageRateLimit(perSecond float64, burst int) Option {
	return func(c *config) { c.pageRate, c.pageBurst = perSecond, max(burst, 1) }
}

// WithClientAddr sets how a request's client address is found, for the
// page-load limit. The default, RemoteAddr, is the TCP peer's IP: behind a
// reverse proxy, every visitor would share the proxy's address, so pass a
// function that reads the header your proxy sets (and that no client can
// forge past it).
func WithClientAddr(fn func(*http.Request) string) Option {
	return func(c *config) { c.clientAddr = fn }
}

// RemoteAddr returns the IP of r's TCP peer, the default client address.
func RemoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// WithMaxConnectionsPerBrowser bounds the live connections one browser
// cookie may hold open at once (default 64; 0 removes the limit). A
// handshake past it gets 429 Too Many Requests, and the page retries with
// backoff.
func WithMaxConnectionsPerBrowser(n int) Option { return func(c *config) { c.maxConnsBrowser = n } }

// WithReadTimeout bounds how long a browser message may take to arrive once
// its first frame has begun (default 10 s): a connection that announces a
// message and stalls is closed. Idle connections are not affected.
func WithReadTimeout(d time.Duration) Option { return func(c *config) { c.readTimeout = d } }

// WithUploadLimits bounds what one form's upload may send: bytes per file,
// files, and bytes in all (defaults 10 MiB, 10 and 32 MiB). An upload past
// them fails with 413 before the action is sent, and nothing of it stays
// on disk.
func WithUploadLimits(fileBytes int64, files int, totalBytes int64) Option {
	return func(c *config) { c.maxUploadFile, c.maxUploadFiles, c.maxUploadTotal = fileBytes, files, totalBytes }
}

// WithOrphanTimeouts sets how long a session outlives its last connection
// (its lease; see Session.SetLease): closed when the browser said it left
// the page as it closed the connection — the tab was closed, or navigated
// away (default 5 minutes, long enough to reopen a closed tab) — and lost
// when the connection dropped without a word, as when a phone sleeps
// (default 1 hour). A reload continues the session before either runs
// out. While a page is connected the lease does not end the session, and
// it is renewed a lost timeout ahead, so that after a crash no session
// outlives its page by more than that. Passing 0, 0 turns the rule off.
// The Renderer's absolute expiry and idle timeout (WithExpiration,
// WithIdleTimeout) apply in every case.
func WithOrphanTimeouts(closed, lost time.Duration) Option {
	return func(c *config) { c.closedTimeout, c.lostTimeout = max(closed, 0), max(lost, 0) }
}

// WithCompression sets how messages are compressed on the WebSocket
// (permessage-deflate, RFC 7692), with every browser that offers it; a
// browser that does not (Safari) is served uncompressed. The default,
// websocket.CompressionContextTakeover, keeps each connection's
// compression window across messages, so markup repeated from one update
// to the next costs a few bytes; it holds a compressor of about 1.2 MB
// for each connection that has been sent a message of 128 bytes or more
// (BENCHMARKS.md has the measured cost), for at most WithCompressionWindows
// connections at a time. websocket.CompressionNoContextTakeover
// compresses each message on its own with a pooled compressor, held only
// while it writes, for messages of 512 bytes or more;
// websocket.CompressionDisabled turns compression off.
func WithCompression(mode websocket.CompressionMode) Option {
	return func(c *config) { c.compression = mode }
}

// DefaultCompressionWindows is how many connections keep a compression
// window by default (WithCompressionWindows): about 300 MB of compressors.
const DefaultCompressionWindows = 256

// WithCompressionWindows bounds the connections that keep a compression
// window (websocket.CompressionContextTakeover, about 1.2 MB each) to n at
// a time, so that the memory compression holds is bounded however many
// tabs connect: a connection past the n-th compresses each message on its
// own (websocket.CompressionNoContextTakeover, a pooled compressor) and
// keeps that for its life. The default is DefaultCompressionWindows; 0
// lets every connection keep one. It applies only with the default mode
// of WithCompression.
func WithCompressionWindows(n int) Option {
	return func(c *config) { c.windows = max(n, 0) }
}

// DefaultPageBasesBytes is the memory the page bases of all of an App's
// connections may hold by default (WithPageBases).
const DefaultPageBasesBytes = 256 << 20

// WithPageBases bounds the memory that the bases of all of an App's
// connections hold together to maxBytes. A base is the html of an element
// as the browser holds it, which lets a first update build its html from
// a neighbour's instead of sending it whole (the get record of wire
// version 5; README "On the wire"): the App keeps each page it serves
// until that tab's WebSocket connects (at most 2 minutes, and 16 MiB of
// pages or maxBytes when less), and a connection keeps its page's
// serialization and index (about twice the page's bytes: 66 KB for the
// 50-task dashboard; 200 bytes more for each element with an id, 4 times
// a page of table cells with ids) and the html it was sent since (at
// most 32 KB). A
// connection past the bound has no bases and is sent its records as
// before. The default is DefaultPageBasesBytes; 0 turns bases off: the
// App keeps no pages.
func WithPageBases(maxBytes int64) Option {
	return func(c *config) { c.pageBases = max(maxBytes, 0) }
}
