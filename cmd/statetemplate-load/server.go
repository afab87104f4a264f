package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/examples/ticker/ticker"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/live"
)

// Server modes.
const (
	// modeLive serves the dashboard with package live: the real page
	// handler and WebSocket loop, answering with fragment updates.
	modeLive = "live"
	// modeFragments answers each action with the fragment updates of
	// RenderFragments, in package live's wire form, from the tool's own
	// minimal loop.
	modeFragments = "fragments"
	// modeFullPage answers each action with the whole page, as an app
	// without fragments would: the baseline. Same minimal loop.
	modeFullPage = "fullpage"
)

// provisionalTTL is how long a ticker page's session waits for the page
// to connect: longer than creating and dialing the largest run takes.
const provisionalTTL = 30 * time.Minute

// liveRate is the per-connection action rate allowed in live mode: far
// above a person's, since a load test may drive few connections hard.
const liveRate = 1000

const (
	cookieName   = "st_load"
	maxActionMsg = 4 << 10
)

// server is the dashboard server the tool starts: the fixture's dashboard
// template behind a statetemplate Renderer, a page handler that creates a
// session per GET, and a WebSocket loop that applies actions.
type server struct {
	mode     string
	r        *statetemplate.Renderer
	tmpl     *template.Template
	hs       *http.Server
	ln       net.Listener
	app      liveApp     // nil unless modeLive
	push     *pushServer // -app ticker: the market and the push figures
	creates  *recorder   // CreateSession calls; the page handler in live mode
	handles  *recorder   // read action → answer written
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup // WebSocket handlers
	serveErr chan error
	cleanup  func() // removes what the store left, after the renderer is closed

	profMu     sync.Mutex
	profFile   *os.File // the CPU profile's
	memPath    string   // the allocation profile's, written at the stop
	memRateWas *int     // runtime.MemProfileRate before the profile's (nil: unchanged)
	traceFile  *os.File // the execution trace's
}

// liveApp is a package live App of any data type.
type liveApp interface {
	http.Handler
	Close() error
}

// serverConfig is what a server needs from the command line.
type serverConfig struct {
	mode, store, listen string
	sessions            int
	dir, redisAddr      string
	cacheBytes          int64
	template            string
	app                 string // appDashboard or appTicker
	redisPrefix         string // "" picks a prefix of the server's own
	broker              string // Redis channel for pushes between servers; "" for none
	workers             int    // live.WithPushWorkers; 0 for the default
	nice                int    // a child's nice value (-server-nice); 0 leaves it
}

func startServer(sc serverConfig) (*server, error) {
	opts, cleanup, err := storeOptions(sc)
	if err != nil {
		return nil, err
	}
	// Page loads create provisional sessions, held in memory until the page
	// connects; the tool creates them all before it connects any, so the
	// nursery must hold them all. Sessions whose page never connects are
	// never stored.
	opts = append(opts, statetemplate.WithProvisionalSessions(provisionalTTL, max(64<<20, int64(sc.sessions)*32<<10)))
	var tmpl *template.Template
	if sc.app == appTicker {
		tmpl = ticker.Page
	} else {
		tmpl, err = dashboardTemplate(sc.template)
		if err != nil {
			cleanup()
			return nil, err
		}
		opts = append(opts, statetemplate.WithDataTypes(&fixture.DashboardData{}))
	}
	r, err := statetemplate.New(tmpl, opts...)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("starting the %s store: %w", sc.store, err)
	}
	ln, err := net.Listen("tcp", sc.listen)
	if err != nil {
		r.Close()
		cleanup()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{
		mode: sc.mode, r: r, tmpl: tmpl, ln: ln,
		creates: newRecorder(), handles: newRecorder(),
		ctx: ctx, cancel: cancel, serveErr: make(chan error, 1), cleanup: cleanup,
	}
	mux := http.NewServeMux()
	if sc.mode == modeLive {
		if sc.app == appTicker {
			s.push, err = newPushServer(r, sc)
			if err == nil {
				s.app = s.push.app
				mux.HandleFunc("POST /debug/loadpublish", s.push.publish)
			}
		} else {
			s.app, err = newLiveApp(r)
		}
		if err != nil {
			ln.Close()
			r.Close()
			cleanup()
			return nil, err
		}
		mux.Handle("/", s.app)
		mux.Handle("GET /{$}", s.timed(s.app))
	} else {
		mux.HandleFunc("GET /{$}", s.page)
		mux.HandleFunc("GET /ws", s.socket)
	}
	mux.HandleFunc("GET /debug/loadstats", s.stats)
	mux.HandleFunc("POST /debug/loadprofile", s.profile)
	s.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		err := s.hs.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.serveErr <- err
	}()
	return s, nil
}

// URL is the page's address.
func (s *server) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// Close stops accepting, ends every WebSocket, and closes the renderer,
// which flushes the store.
func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.cancel()
	err := s.hs.Shutdown(ctx)
	if s.app != nil {
		s.app.Close() // after Shutdown, which does not track WebSockets
	}
	if s.push != nil {
		s.push.close()
	}
	s.wg.Wait()
	s.stopProfile()
	if serr := <-s.serveErr; err == nil {
		err = serr
	}
	if cerr := s.r.Close(); err == nil {
		err = cerr
	}
	s.cleanup()
	return err
}

// newLiveApp serves the fixture dashboard with package live, with the
// load test's actions as handlers.
func newLiveApp(r *statetemplate.Renderer) (*live.App[*fixture.DashboardData], error) {
	app, err := live.New(r, func(*http.Request) (*fixture.DashboardData, error) {
		return fixture.NewDashboard(initialTasks), nil
	}, loadLimits()...)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{actIncrement, actDecrement, actAddTask, actToggle, actDelete} {
		app.Handle(name, func(_ context.Context, d *fixture.DashboardData, m live.Message) error {
			var a actionMsg
			if err := m.Decode(&a); err != nil {
				return err
			}
			return applyAction(d, a, time.Now())
		})
	}
	return app, nil
}

// loadLimits lifts package live's per-client limits, which a load test
// from one address and far above a person's pace would trip: the action
// rate per connection, and page loads per address.
func loadLimits() []live.Option {
	return []live.Option{live.WithRateLimit(liveRate, liveRate), live.WithPageRateLimit(0, 1)}
}

// timed records how long h takes: live's page handler creates the session
// and renders the page.
func (s *server) timed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, req)
		s.creates.Record(time.Since(start))
	})
}

func (s *server) page(w http.ResponseWriter, req *http.Request) {
	data := fixture.NewDashboard(initialTasks)
	start := time.Now()
	tok, err := s.r.CreateSession(req.Context(), data)
	s.creates.Record(time.Since(start))
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	html, err := s.r.RenderPage(tok)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(html))
}

func (s *server) socket(w http.ResponseWriter, req *http.Request) {
	c, err := req.Cookie(cookieName)
	if err != nil {
		http.Error(w, "no session cookie", http.StatusUnauthorized)
		return
	}
	sess, err := s.r.GetSession(c.Value)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	defer sess.Close()
	ws, err := websocket.Accept(w, req, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	ws.SetReadLimit(maxActionMsg)
	defer ws.CloseNow()
	data, ok := sess.Data().(*fixture.DashboardData)
	if !ok {
		ws.Close(websocket.StatusInternalError, "session data is not a dashboard")
		return
	}
	if err := ws.Write(s.ctx, websocket.MessageText, []byte(readyMessage)); err != nil {
		return
	}
	var buf bytes.Buffer
	for {
		_, msg, err := ws.Read(s.ctx)
		if err != nil {
			return
		}
		start := time.Now()
		out, err := s.answer(&buf, sess, data, msg, start)
		if err != nil {
			out, _ = json.Marshal(map[string]string{"error": "action", "message": err.Error()})
		}
		if err := ws.Write(s.ctx, websocket.MessageText, out); err != nil {
			return
		}
		s.handles.Record(time.Since(start))
	}
}

// answer applies one action and returns what the client is sent.
func (s *server) answer(buf *bytes.Buffer, sess *statetemplate.Session, data *fixture.DashboardData, msg []byte, now time.Time) ([]byte, error) {
	var a actionMsg
	if err := json.Unmarshal(msg, &a); err != nil {
		return nil, fmt.Errorf("malformed action: %w", err)
	}
	if err := applyAction(data, a, now); err != nil {
		return nil, err
	}
	if s.mode == modeFullPage {
		buf.Reset()
		if err := s.tmpl.Execute(buf, data); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	ups, err := sess.RenderFragments(s.ctx, data)
	if err != nil {
		return nil, err
	}
	b, err := live.EncodeBatch(live.Batch{Updates: ups})
	if b == nil && err == nil {
		b = []byte("{}") // nothing changed: an empty reply
	}
	return b, err
}

// serverStats is what /debug/loadstats returns.
type serverStats struct {
	Proc   ProcStats      `json:"proc"`
	Create LatencySummary `json:"create"`
	Handle LatencySummary `json:"handle"`
	// Push is the time from Publish to each push frame written, and
	// PushStats the App's push counters (-app ticker).
	Push      LatencySummary  `json:"push"`
	PushStats *live.PushStats `json:"push_stats,omitempty"`
}

func (s *server) snapshot(gc, reset bool) serverStats {
	st := serverStats{Proc: readProcStats(gc), Create: s.creates.Summary(), Handle: s.handles.Summary()}
	if s.push != nil {
		st.Push = s.push.frames.Summary()
		ps := s.push.app.PushStats()
		st.PushStats = &ps
	}
	if reset {
		s.creates.Reset()
		s.handles.Reset()
		if s.push != nil {
			s.push.frames.Reset()
		}
	}
	return st
}

func (s *server) stats(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	st := s.snapshot(q.Get("gc") == "1", q.Get("reset") == "1")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

// profile starts a CPU profile (?start=FILE), an execution trace
// (?trace=FILE) or both, or stops them (?stop=1).
func (s *server) profile(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	pf := profiles{cpu: q.Get("start"), trace: q.Get("trace"), mem: q.Get("mem")}
	if pf.mem != "" {
		rate, err := strconv.Atoi(q.Get("memrate"))
		if err != nil || rate <= 0 {
			http.Error(w, "memrate: a positive number of bytes", http.StatusBadRequest)
			return
		}
		pf.rate = rate
	}
	if pf != (profiles{}) {
		if err := s.startProfile(pf); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		return
	}
	s.stopProfile()
}

func (s *server) startProfile(pf profiles) (err error) {
	s.profMu.Lock()
	defer s.profMu.Unlock()
	if s.profFile != nil || s.traceFile != nil || s.memPath != "" {
		return errors.New("a profile is already running")
	}
	defer func() {
		if err != nil {
			s.stopLocked()
		}
	}()
	if pf.cpu != "" {
		if s.profFile, err = startFile(pf.cpu, pprof.StartCPUProfile); err != nil {
			return err
		}
	}
	if pf.trace != "" {
		if s.traceFile, err = startFile(pf.trace, trace.Start); err != nil {
			return err
		}
	}
	if pf.mem != "" {
		// The allocs profile counts from the process's start: the one
		// written now is the base of the one written at the stop.
		was := runtime.MemProfileRate
		s.memRateWas, runtime.MemProfileRate = &was, pf.rate
		if err := writeAllocs(pf.mem + ".start"); err != nil {
			return err
		}
		s.memPath = pf.mem
	}
	return nil
}

// writeAllocs writes the process's allocation profile to path, after a
// collection so that it counts every allocation made until now.
func writeAllocs(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startFile creates path and starts a profiler writing to it.
func startFile(path string, start func(io.Writer) error) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (s *server) stopProfile() {
	s.profMu.Lock()
	defer s.profMu.Unlock()
	s.stopLocked()
}

func (s *server) stopLocked() {
	if s.profFile != nil {
		pprof.StopCPUProfile()
		s.profFile.Close()
		s.profFile = nil
	}
	if s.memPath != "" {
		if err := writeAllocs(s.memPath); err != nil {
			slog.Warn("statetemplate-load: writing the allocation profile", "path", s.memPath, "err", err)
		}
		s.memPath = ""
	}
	if s.memRateWas != nil {
		// Between phases, and once they are over, the server allocates
		// at its usual cost: the rate was for the phase's profile.
		runtime.MemProfileRate, s.memRateWas = *s.memRateWas, nil
	}
	if s.traceFile != nil {
		trace.Stop()
		s.traceFile.Close()
		s.traceFile = nil
	}
}
