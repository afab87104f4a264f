package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/livefir/statetemplate/examples/ticker/ticker"
)

// Bounds that keep a run finite whatever the flags say.
const (
	maxSessions = 1_000_000
	maxConns    = 50_000
	maxRate     = 100_000
	maxDuration = 30 * time.Minute
	maxWarmup   = 5 * time.Minute
)

var errUsage = errors.New("usage")

// config is the parsed command line.
type config struct {
	url         string // target a running server instead of starting one
	stores      []string
	redisAddr   string
	dbDir       string
	sessions    int
	conns       int
	rates       []float64
	duration    time.Duration
	warmup      time.Duration
	modes       []string
	server      string // child or inproc
	createConc  int
	dialConc    int
	cpuProfile  string
	memProfile  string
	memRate     int
	clientProf  string
	tracePath   string
	jsonOut     string
	mdOut       string
	answersDir  string
	progress    string
	timeout     time.Duration
	cacheBudget int64
	template    string

	// Pushes (-app ticker): see push.go.
	app      string
	publish  []float64 // publishes per second, one measured phase each
	servers  int       // 1, or 2 sharing one Redis (store and broker)
	watch    int       // symbols each ticker tab watches
	workers  int       // live.WithPushWorkers; 0 for live's default
	nice     int       // the server children's nice value (-server-nice)
	explicit map[string]bool

	// Server side, for the child process.
	serve       bool
	mode        string // fragments or fullpage
	store       string
	listen      string
	redisPrefix string // key prefix of the Redis store ("" picks one)
	broker      string // Redis channel of the push broker ("" for none)
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("statetemplate-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: statetemplate-load [flags]\n\n%s\nFlags:\n", usageText)
		fs.PrintDefaults()
	}
	var stores string
	fs.StringVar(&c.url, "url", "", "target a running server at this loopback `URL` (page at URL, WebSocket at URL/ws) instead of starting one")
	fs.StringVar(&stores, "store", "memory", "session stores to run against, comma-separated: memory, bolt, redis")
	fs.StringVar(&c.redisAddr, "redis", os.Getenv("STATETEMPLATE_REDIS_ADDR"), "redis `address` for -store redis (default $STATETEMPLATE_REDIS_ADDR)")
	fs.StringVar(&c.dbDir, "dir", "", "`directory` for the bolt file (default: a temporary directory, removed at the end)")
	fs.IntVar(&c.sessions, "sessions", 1000, "sessions to create (each an HTTP GET of the page)")
	fs.IntVar(&c.conns, "conns", 100, "concurrent WebSocket connections, one per session (at most -sessions)")
	var rates string
	fs.StringVar(&rates, "rate", "200", "actions per second, spread over the connections; a comma-separated list measures each rate in turn on the same sessions and connections")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to drive actions once warmed up")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "how long to drive actions before measuring")
	var modes string
	fs.StringVar(&modes, "modes", modeLive+","+modeFullPage, "server modes to run for each store, comma-separated: "+
		"live (package live's page and WebSocket loop), fullpage (the baseline: every action answered with the whole page), "+
		"fragments (RenderFragments answers from the same minimal loop as fullpage)")
	fs.StringVar(&c.server, "server", "child", "how to start the server: child (a child process, so that its memory and CPU are its own) or inproc (in this process)")
	fs.IntVar(&c.createConc, "create-concurrency", 32, "concurrent HTTP GETs while creating sessions")
	fs.IntVar(&c.dialConc, "dial-concurrency", 64, "concurrent WebSocket dials")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write the server's CPU profiles to `file`.STORE-MODE.create (session creation) and .actions (the measured phase)")
	fs.StringVar(&c.memProfile, "memprofile", "", "write the server's heap allocation profiles (pprof's allocs) of each phase to `file`.STORE-MODE.PHASE, as -cpuprofile names its profiles, with the profile at the phase's start beside it (.start: go tool pprof -base)")
	fs.IntVar(&c.memRate, "memprofilerate", 4096, "with -memprofile, the server samples one allocation per this many `bytes` (runtime.MemProfileRate) during each phase; low rates cost CPU")
	fs.StringVar(&c.tracePath, "trace", "", "write an execution trace (runtime/trace, for go tool trace) of each server's measured phase to `file`.STORE-MODE.PHASE, as -cpuprofile names its profiles")
	fs.StringVar(&c.clientProf, "client-cpuprofile", "", "write the load generator's own CPU profile to `file`")
	fs.StringVar(&c.jsonOut, "json", "", "also write the report as JSON to `file`")
	fs.StringVar(&c.mdOut, "md", "", "also write the report's tables as Markdown to `file`")
	fs.StringVar(&c.answersDir, "answers", "", "write the first answer to each action of each run into `directory`, to see what was sent")
	fs.StringVar(&c.progress, "progress", "auto", "progress display on stderr: auto, tty, lines or off")
	fs.DurationVar(&c.timeout, "timeout", 0, "hard limit on the whole run (default: computed from the other flags)")
	fs.StringVar(&c.template, "template", templateDesign, "dashboard template: design (the design document's, unchanged) or tuned (the task list title has an id, fixture.TunedSource, as in examples/dashboard, so that adding or removing a task does not replace the whole task section)")
	fs.Int64Var(&c.cacheBudget, "cache-bytes", 0, "bolt store cache budget in bytes (0: the store's default)")
	fs.StringVar(&c.app, "app", appDashboard, "the app served: dashboard (actions driven at -rate) or ticker (examples/ticker: publishes at -publish, pushed to every tab)")
	var publish string
	fs.StringVar(&publish, "publish", "5", "with -app ticker: publishes per second, comma-separated; each is measured in turn on the same tabs")
	fs.IntVar(&c.servers, "servers", 1, "with -app ticker: servers, 1 or 2; two share the Redis of -store redis for sessions and pushes, the tabs are split between them and every publish is made on the first")
	fs.IntVar(&c.watch, "watch", 3, fmt.Sprintf("with -app ticker: symbols on each tab's watchlist, 0 to %d, so that tabs' pages differ", ticker.MaxWatch))
	fs.IntVar(&c.workers, "push-workers", 0, "with -app ticker: the servers' push workers (live.WithPushWorkers); 0 keeps live's default, GOMAXPROCS")
	fs.IntVar(&c.nice, "server-nice", 0, "with -server child: the servers' `nice` value, -20 to 19 (Linux; below 0 needs root). -10 gives the servers the cores before the load generator's readers, which in production are browsers on other machines; 0 shares the cores with them equally")
	fs.BoolVar(&c.serve, "serve", false, "internal: run as the server child process")
	fs.StringVar(&c.redisPrefix, "redis-prefix", "", "internal: the child's Redis key prefix")
	fs.StringVar(&c.broker, "broker", "", "internal: the child's Redis channel for pushes")
	fs.StringVar(&c.mode, "mode", modeLive, "internal: the child server's mode")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "internal: server listen address")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	c.explicit = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { c.explicit[f.Name] = true })
	for _, r := range splitList(publish) {
		v, err := strconv.ParseFloat(r, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: -publish %q: %v", errUsage, r, err)
		}
		c.publish = append(c.publish, v)
	}
	if c.app == appTicker && !c.explicit["modes"] {
		modes = modeLive // the ticker is a live app; the baselines are the dashboard's
	}
	c.stores = splitList(stores)
	c.modes = splitList(modes)
	for _, r := range splitList(rates) {
		v, err := strconv.ParseFloat(r, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: -rate %q: %v", errUsage, r, err)
		}
		c.rates = append(c.rates, v)
	}
	if c.app == appTicker && !c.serve {
		if c.explicit["rate"] {
			return nil, fmt.Errorf("%w: -rate drives the dashboard's actions; the ticker is driven by -publish", errUsage)
		}
		c.rates = []float64{0}
	}
	if c.serve {
		c.store = firstOr(c.stores, "memory")
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

func (c *config) validate() error {
	if err := c.validatePush(); err != nil {
		return err
	}
	for _, s := range c.stores {
		switch s {
		case "memory", "bolt", "redis":
		default:
			return fmt.Errorf("-store %q: want memory, bolt or redis", s)
		}
	}
	if len(c.stores) == 0 {
		return errors.New("-store: no store given")
	}
	if c.template != templateDesign && c.template != templateTuned {
		return fmt.Errorf("-template %q: want %s or %s", c.template, templateDesign, templateTuned)
	}
	if !validMode(c.mode) {
		return fmt.Errorf("-mode %q: want %s, %s or %s", c.mode, modeLive, modeFullPage, modeFragments)
	}
	if len(c.modes) == 0 {
		return errors.New("-modes: no mode given")
	}
	for _, m := range c.modes {
		if !validMode(m) {
			return fmt.Errorf("-modes %q: want %s, %s or %s", m, modeLive, modeFullPage, modeFragments)
		}
	}
	switch c.server {
	case "child", "inproc":
	default:
		return fmt.Errorf("-server %q: want child or inproc", c.server)
	}
	switch c.progress {
	case "auto", "tty", "lines", "off":
	default:
		return fmt.Errorf("-progress %q: want auto, tty, lines or off", c.progress)
	}
	if err := c.validateNice(); err != nil {
		return err
	}
	if c.serve {
		return checkLoopbackAddr(c.listen)
	}
	if c.url != "" {
		if err := checkLoopbackURL(c.url); err != nil {
			return err
		}
	}
	switch {
	case c.sessions < 1 || c.sessions > maxSessions:
		return fmt.Errorf("-sessions %d: want 1 to %d", c.sessions, maxSessions)
	case c.conns < 0 || c.conns > min(c.sessions, maxConns):
		return fmt.Errorf("-conns %d: want 0 to %d (no more than -sessions)", c.conns, min(c.sessions, maxConns))
	case len(c.rates) == 0 || len(c.rates) > 10:
		return errors.New("-rate: want one to ten rates")
	case c.duration < time.Second || c.duration > maxDuration:
		return fmt.Errorf("-duration %v: want 1s to %v", c.duration, maxDuration)
	case c.warmup < 0 || c.warmup > maxWarmup:
		return fmt.Errorf("-warmup %v: want 0 to %v", c.warmup, maxWarmup)
	case c.createConc < 1 || c.createConc > 1024:
		return fmt.Errorf("-create-concurrency %d: want 1 to 1024", c.createConc)
	case c.dialConc < 1 || c.dialConc > 1024:
		return fmt.Errorf("-dial-concurrency %d: want 1 to 1024", c.dialConc)
	case c.timeout < 0:
		return fmt.Errorf("-timeout %v: must not be negative", c.timeout)
	}
	for _, r := range c.rates {
		switch {
		case r < 0 || r > maxRate:
			return fmt.Errorf("-rate %v: want 0 to %d", r, maxRate)
		case c.conns > 0 && r == 0 && c.app != appTicker:
			return errors.New("-rate 0 with connections: nothing to drive")
		}
	}
	if c.timeout == 0 {
		c.timeout = c.defaultTimeout()
	}
	return nil
}

// defaultTimeout allows each run generous time for setup (at a
// pessimistic 200 sessions/s, what a busy 2-core machine manages) on top
// of the driven phases.
func validMode(m string) bool {
	return m == modeLive || m == modeFullPage || m == modeFragments
}

func (c *config) defaultTimeout() time.Duration {
	runs := len(c.stores) * len(c.modes)
	if c.url != "" {
		runs = 1
	}
	setup := 2*time.Minute + time.Duration(c.sessions+c.conns)*5*time.Millisecond
	phases := len(c.rates)
	if c.app == appTicker {
		phases = len(c.publish)
	}
	return time.Duration(runs) * (setup + time.Duration(phases)*(c.warmup+c.duration+2*drainWait))
}

// checkLoopbackURL accepts only http(s) URLs whose host is a loopback
// address or "localhost": the tool generates heavy load and must not be
// pointed at someone else's server.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-url %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("-url %q: want an http or https URL", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("-url %q: host %q is not a loopback address; this tool only targets servers on this machine", raw, u.Hostname())
	}
	return nil
}

func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q: %v", addr, err)
	}
	if !isLoopbackHost(host) {
		return fmt.Errorf("-listen %q: not a loopback address", addr)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

const usageText = `statetemplate-load creates sessions over HTTP, opens WebSockets to them
and drives dashboard actions at a fixed rate, then reports latencies,
bytes, memory and CPU per session and per update. By default it starts
the server itself, once per store and mode: package live's real loop, and
the full-page baseline.
It only talks to loopback addresses and stops by itself.

Example:
  statetemplate-load -store memory,bolt -sessions 100000 -conns 10000 -rate 2000 -duration 60s
`

// The apps the tool serves.
const (
	appDashboard = "dashboard"
	appTicker    = "ticker"
)

// maxPublish bounds -publish.
const maxPublish = 1000

// validatePush checks the flags of a push run (-app ticker).
func (c *config) validatePush() error {
	switch c.app {
	case appDashboard:
		if c.servers != 1 {
			return errors.New("-servers: only with -app ticker")
		}
		return nil
	case appTicker:
	default:
		return fmt.Errorf("-app %q: want %s or %s", c.app, appDashboard, appTicker)
	}
	if c.serve {
		return nil
	}
	switch {
	case c.url != "":
		return errors.New("-app ticker: the tool publishes through the server it starts; -url cannot be used")
	case len(c.modes) != 1 || c.modes[0] != modeLive:
		return fmt.Errorf("-modes %v: the ticker runs in live mode only", c.modes)
	case len(c.publish) == 0 || len(c.publish) > 10:
		return errors.New("-publish: want one to ten rates")
	case c.workers < 0 || c.workers > 1024:
		return fmt.Errorf("-push-workers %d: want 0 to 1024", c.workers)
	case c.watch < 0 || c.watch > ticker.MaxWatch:
		return fmt.Errorf("-watch %d: want 0 to %d", c.watch, ticker.MaxWatch)
	case c.servers != 1 && c.servers != 2:
		return fmt.Errorf("-servers %d: want 1 or 2", c.servers)
	case c.servers == 2 && (len(c.stores) != 1 || c.stores[0] != "redis"):
		return errors.New("-servers 2: two servers share their sessions and pushes through Redis: use -store redis")
	case c.servers == 2 && c.server != "child":
		return errors.New("-servers 2: each server runs in a child process of its own (-server child)")
	}
	for _, r := range c.publish {
		if r <= 0 || r > maxPublish {
			return fmt.Errorf("-publish %v: want more than 0, up to %d", r, maxPublish)
		}
	}
	return nil
}
