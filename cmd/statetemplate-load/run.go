package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// drainWait is how long a phase waits for answers still in flight.
const drainWait = 3 * time.Second

// clientGCPercent is the load generator's GOGC when the servers run in
// processes of their own: its heap is mostly the tabs' decoders, which
// live for the whole run, and each frame read leaves garbage, so the
// default 100 collects often (a fifth of the tool's CPU in a 2,000-tab
// push run) for little memory saved — CPU the servers on the same
// machine would have had.
const clientGCPercent = 400

// tuneClientGC sets the load generator's GOGC to clientGCPercent unless
// the environment sets GOGC, or a server runs in this process (-server
// inproc), whose figures must be the default runtime's.
func tuneClientGC(cfg *config) {
	if cfg.server == "inproc" || os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(clientGCPercent)
}

// run is the whole program, minus process exit.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.serve {
		return serve(ctx, cfg, stdin, stdout)
	}
	stderr = &lockedWriter{w: stderr} // shared by the progress display and server children
	ctx, cancel := context.WithTimeoutCause(ctx, cfg.timeout, fmt.Errorf("the run took longer than -timeout %v", cfg.timeout))
	defer cancel()

	if err := raiseFileLimit(cfg.filesNeeded()); err != nil {
		return err
	}
	tuneClientGC(cfg)
	if cfg.clientProf != "" {
		f, err := os.Create(cfg.clientProf)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	prog := newProgress(stderr, cfg.progress)
	rep := &Report{
		Started:    time.Now(),
		Machine:    fmt.Sprintf("%d CPUs, %s %s/%s", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH),
		Command:    "statetemplate-load " + strings.Join(args, " "),
		LoadBefore: loadAvg(),
	}
	var runErr error
	for _, p := range cfg.plan() {
		var err error
		if cfg.app == appTicker {
			var prs []PushRunReport
			prs, err = runPush(ctx, cfg, p, prog, stderr)
			rep.Pushes = append(rep.Pushes, prs...)
		} else {
			var rrs []RunReport
			rrs, err = runOne(ctx, cfg, p, prog, stderr)
			rep.Runs = append(rep.Runs, rrs...)
		}
		if err != nil {
			runErr = fmt.Errorf("%s/%s: %w", p.store, p.mode, err)
			break
		}
	}
	prog.Close()
	rep.LoadAfter = loadAvg()
	if len(rep.Runs) > 0 || len(rep.Pushes) > 0 {
		if err := rep.WriteText(stdout); err != nil && runErr == nil {
			runErr = err
		}
		if cfg.jsonOut != "" {
			if err := writeFile(cfg.jsonOut, rep.WriteJSON); err != nil && runErr == nil {
				runErr = err
			}
		}
		if cfg.mdOut != "" {
			if err := writeFile(cfg.mdOut, rep.WriteMarkdown); err != nil && runErr == nil {
				runErr = err
			}
		}
	}
	return runErr
}

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// isTerminal reports whether the underlying writer is a terminal.
func (l *lockedWriter) isTerminal() bool { return isTerminal(l.w) }

// filesNeeded is the open-file limit the run needs: a descriptor per
// connection end in this process, plus room for HTTP, the store and the
// runtime. A child server inherits the limit.
func (c *config) filesNeeded() uint64 {
	ends := c.conns
	if c.server == "inproc" {
		ends *= 2 // both ends of every WebSocket are here
	}
	return uint64(ends + c.createConc + 1024)
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// planned is one run: a store in a mode.
type planned struct{ store, mode string }

func (c *config) plan() []planned {
	if c.url != "" {
		return []planned{{store: "remote", mode: "remote"}}
	}
	var out []planned
	for _, s := range c.stores {
		for _, m := range c.modes {
			out = append(out, planned{s, m})
		}
	}
	return out
}

func (c *config) serverConfig(p planned) serverConfig {
	return serverConfig{mode: p.mode, store: p.store, listen: "127.0.0.1:0", sessions: c.sessions,
		dir: c.dbDir, redisAddr: c.redisAddr, cacheBytes: c.cacheBudget, template: c.template, app: c.app, workers: c.workers, nice: c.nice}
}

func startTarget(ctx context.Context, cfg *config, p planned, stderr io.Writer) (target, string, error) {
	switch {
	case cfg.url != "":
		return urlTarget{url: cfg.url}, "url", nil
	case cfg.server == "inproc":
		s, err := startServer(cfg.serverConfig(p))
		if err != nil {
			return nil, "", err
		}
		return inprocTarget{s}, "inproc", nil
	default:
		t, err := startChild(ctx, cfg, cfg.serverConfig(p), stderr)
		if err != nil {
			return nil, "", err
		}
		return t, "child", nil
	}
}

// runOne creates the sessions, opens the WebSockets and drives the
// actions against one freshly started server, once per rate.
func runOne(ctx context.Context, cfg *config, p planned, prog *progress, stderr io.Writer) (_ []RunReport, err error) {
	t, launch, err := startTarget(ctx, cfg, p, stderr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := t.close(); cerr != nil && err == nil {
			err = fmt.Errorf("stopping the server: %w", cerr)
		}
	}()
	base := RunReport{Store: p.store, Mode: p.mode, Launch: launch, Conns: cfg.conns, Duration: cfg.duration}
	name := p.store + "/" + p.mode

	idle, err := t.stats(ctx, true, true)
	if err != nil {
		return nil, fmt.Errorf("reading server stats: %w", err)
	}

	// Sessions: one page GET each, as new browser tabs.
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: cfg.createConc, DisableCompression: true}}
	defer hc.CloseIdleConnections()
	createRec := newRecorder()
	if err := startProfile(ctx, cfg, t, p, "create"); err != nil {
		return nil, err
	}
	prog.Phase(name+": sessions", int64(cfg.sessions), nil)
	cr := createSessions(ctx, hc, t.pageURL(), cfg.sessions, cfg.conns, cfg.createConc, createRec, prog)
	hc.CloseIdleConnections()
	if err := stopProfile(ctx, cfg, t); err != nil {
		return nil, err
	}
	base.Sessions, base.CreateErrors, base.PageBytes, base.Create = int(cr.created), cr.errs, cr.pageBytes, createRec.Summary()
	if cr.created == 0 {
		return nil, fmt.Errorf("no session created: %w", errors.Join(cr.firstErr, ctx.Err()))
	}
	if cr.errs > 0 {
		prog.Logf("%s: %d of %d session creations failed; first: %v", name, cr.errs, cfg.sessions, cr.firstErr)
	}
	created, err := t.stats(ctx, true, true)
	if err != nil {
		return nil, err
	}
	if created != nil {
		sc := created.Create
		base.ServerCreate = &sc
		base.ServerCreateWhat = "CreateSession"
		if p.mode == modeLive {
			base.ServerCreateWhat = "page handler (CreateSession+RenderPage)"
		}
	}

	// WebSockets.
	prog.Phase(name+": websockets", int64(len(cr.refs)), nil)
	conns, dialErrs, err := dialAll(ctx, cr.refs, cfg.dialConc, prog)
	base.DialErrors = dialErrs
	if err != nil {
		return nil, err
	}
	d := newDriver(conns)
	defer d.close()
	base.Conns = len(conns)
	dialed, err := t.stats(ctx, true, false)
	if err != nil {
		return nil, err
	}
	if created != nil {
		base.Server = &ServerFigures{
			HeapPerSession: perUnit(created.Proc.HeapAlloc, idle.Proc.HeapAlloc, base.Sessions),
			RSSPerSession:  perUnit(created.Proc.RSS, idle.Proc.RSS, base.Sessions),
			HeapPerConn:    perUnit(dialed.Proc.HeapAlloc, created.Proc.HeapAlloc, base.Conns),
			RSSPerConn:     perUnit(dialed.Proc.RSS, created.Proc.RSS, base.Conns),
		}
	}

	var out []RunReport
	for _, rate := range cfg.rates {
		rr, err := measure(ctx, cfg, t, d, p, rate, base, prog)
		if err != nil {
			return out, err
		}
		out = append(out, rr)
	}
	return out, nil
}

// measure warms up at rate, then drives it for the measured phase.
func measure(ctx context.Context, cfg *config, t target, d *driver, p planned, rate float64, base RunReport, prog *progress) (RunReport, error) {
	rr := base
	rr.Rate = rate
	if base.Server != nil {
		sf := *base.Server
		rr.Server = &sf
	}
	name := fmt.Sprintf("%s/%s", p.store, p.mode)
	if len(cfg.rates) > 1 {
		name += fmt.Sprintf("@%g", rate)
	}
	if len(d.conns) == 0 {
		rr.LoadAvg = loadAvg()
		return rr, nil
	}
	if cfg.warmup > 0 {
		prog.Phase(name+": warmup", 0, nil)
		d.run(ctx, rate, cfg.warmup, drainWait, newPhaseStats(), prog)
	}

	st := newPhaseStats()
	before, err := t.stats(ctx, false, true)
	if err != nil {
		return rr, err
	}
	if err := startProfile(ctx, cfg, t, p, fmt.Sprintf("actions-%g", rate)); err != nil {
		return rr, err
	}
	clientBefore := readProcStats(false)
	start := time.Now()
	prog.Phase(name+": measuring", int64(rate*cfg.duration.Seconds()), func() string {
		s := st.rtt.Summary()
		return fmt.Sprintf("rtt p50 %s p99 %s  open %d", fmtDur(s.P50), fmtDur(s.P99), d.alive())
	})
	d.run(ctx, rate, cfg.duration, drainWait, st, prog)
	elapsed := min(time.Since(start), cfg.duration)
	clientCPU := readProcStats(false).CPU() - clientBefore.CPU()
	after, err := t.stats(ctx, false, false)
	if err != nil {
		return rr, err
	}
	if err := stopProfile(ctx, cfg, t); err != nil {
		return rr, err
	}
	rr.LoadAvg = loadAvg()
	if err := ctx.Err(); err != nil {
		return rr, context.Cause(ctx)
	}

	if cfg.answersDir != "" {
		if err := st.writeSamples(cfg.answersDir, p.store+"-"+p.mode); err != nil {
			return rr, fmt.Errorf("writing answers: %w", err)
		}
	}
	rr.Sent, rr.Completed, rr.Missed = st.sent.Load(), st.completed.Load(), st.missed.Load()
	rr.ActionErrors = st.errors.Load() + st.lost.Load() + st.timeouts.Load()
	rr.Unsolicited = st.unsolicited.Load() + st.late.Load()
	rr.Unanswered = st.unanswered.Load()
	rr.ErrorCodes = st.errorCodes()
	rr.AchievedRate = float64(rr.Completed) / elapsed.Seconds()
	if rr.Completed > 0 {
		rr.ClientCPUPerAction = clientCPU / time.Duration(rr.Completed)
	}
	rr.RTT = st.rtt.Summary()
	rr.UpdateBytes = st.bytes.Load()
	rr.PerAction = st.perAction()
	if lost := st.lost.Load(); lost > 0 {
		prog.Logf("%s: %d connections closed during the run", name, lost)
	}
	if n := st.timeouts.Load(); n > 0 {
		prog.Logf("%s: %d actions unanswered after %v", name, n, actionTimeout)
	}

	if after != nil {
		final, err := t.stats(ctx, true, false)
		if err != nil {
			return rr, err
		}
		if h := after.Handle; h.Count > 0 { // live's loop is not instrumented
			rr.ServerHandle = &h
		}
		sf := rr.Server
		sf.CPU = after.Proc.CPU() - before.Proc.CPU()
		sf.HeapAfter, sf.RSSAfter = final.Proc.HeapAlloc, final.Proc.RSS
		// Late answers were rendered in this window too.
		if n := rr.Completed + rr.Unsolicited; n > 0 {
			sf.CPUPerUpdate = sf.CPU / time.Duration(n)
		}
	}
	return rr, nil
}

// profiles names the files a server's profilers write for one phase; ""
// is a profiler not running.
type profiles struct {
	cpu   string // -cpuprofile
	trace string // -trace
	mem   string // -memprofile
	rate  int    // -memprofilerate, with mem
}

// startProfile starts the server's profilers that the flags ask for, for
// phase.
func startProfile(ctx context.Context, cfg *config, t target, p planned, phase string) error {
	var pf profiles
	if cfg.cpuProfile != "" {
		pf.cpu = profilePath(cfg.cpuProfile, p, phase)
	}
	if cfg.tracePath != "" {
		pf.trace = profilePath(cfg.tracePath, p, phase)
	}
	if cfg.memProfile != "" {
		pf.mem, pf.rate = profilePath(cfg.memProfile, p, phase), cfg.memRate
	}
	if pf == (profiles{}) {
		return nil
	}
	if err := t.startProfile(ctx, pf); err != nil {
		return fmt.Errorf("starting the server's profile: %w", err)
	}
	return nil
}

func stopProfile(ctx context.Context, cfg *config, t target) error {
	if cfg.cpuProfile == "" && cfg.tracePath == "" && cfg.memProfile == "" {
		return nil
	}
	return t.stopProfile(ctx)
}

// perUnit is (after-before)/n, which may be negative when the GC returned
// memory the earlier snapshot still counted.
func perUnit(after, before uint64, n int) float64 {
	if n <= 0 {
		return 0
	}
	return (float64(after) - float64(before)) / float64(n)
}

// profilePath names a phase's profile: BASE.STORE-MODE.PHASE.
func profilePath(base string, p planned, phase string) string {
	return fmt.Sprintf("%s.%s-%s.%s", base, p.store, p.mode, phase)
}

// serve is the -serve child: it runs the server until stdin closes or
// the process is signalled.
func serve(ctx context.Context, cfg *config, stdin io.Reader, stdout io.Writer) error {
	if cfg.nice != 0 {
		if err := setNice(cfg.nice); err != nil {
			return fmt.Errorf("-server-nice %d: %w", cfg.nice, err)
		}
	}
	s, err := startServer(serverConfig{mode: cfg.mode, store: cfg.store, listen: cfg.listen, sessions: cfg.sessions,
		dir: cfg.dbDir, redisAddr: cfg.redisAddr, cacheBytes: cfg.cacheBudget, template: cfg.template,
		app: cfg.app, redisPrefix: cfg.redisPrefix, broker: cfg.broker, workers: cfg.workers})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "LISTEN %s\n", s.URL()); err != nil {
		s.Close()
		return err
	}
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(eof)
	}()
	select {
	case <-ctx.Done():
	case <-eof:
	}
	return s.Close()
}
