package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/examples/ticker/ticker"
	"github.com/livefir/statetemplate/live"
)

// A push run (-app ticker) serves examples/ticker: every tab subscribes to
// the market's ticks when it connects, and the tool makes the market tick
// at -publish per second through the first server's /debug/loadpublish.
// Each tick renders on every tab; the figures are the time from Publish to
// each frame written (the servers' PushObserver), whether every tab got
// every tick, and the servers' CPU per tab per publish.

// pushDrain is how long a phase waits, after its last publish, for every
// tab to show it.
const pushDrain = 5 * time.Second

// tab is one connected ticker page.
type tab struct {
	ws     *conn
	server int          // index of the server it is connected to
	index  int          // in the run's tabs, for the phase's counts
	last   atomic.Int64 // the last tick it showed
	dead   atomic.Bool
	dec    live.Decoder // every batch of the connection goes through it, in order
}

// pushPhase collects the client side of one publishing phase.
type pushPhase struct {
	first   int64          // the phase's first tick
	last    atomic.Int64   // its last, once published
	sentAt  []atomic.Int64 // by tick - first: when its publish was requested, ns since epoch
	epoch   time.Time
	perTab  []atomic.Int32 // ticks each tab showed
	frames  atomic.Int64   // tick frames received
	bytes   atomic.Int64
	late    []*recorder // by server: publish requested → frame read by the tab
	badSeq  atomic.Int64
	lostTab atomic.Int64
	// undecodable counts the frames, not JSON replies, that a tab's
	// decoder failed on: it no longer follows the server's encoder.
	undecodable atomic.Int64
}

func newPushPhase(first int64, capacity, tabs, servers int) *pushPhase {
	ph := &pushPhase{first: first, sentAt: make([]atomic.Int64, capacity), epoch: time.Now(), perTab: make([]atomic.Int32, tabs)}
	for range servers {
		ph.late = append(ph.late, newRecorder())
	}
	return ph
}

// saw records that tb showed tick seq, read at now.
func (ph *pushPhase) saw(tb *tab, seq int64, n int, now time.Time) {
	i := seq - ph.first
	if i < 0 || i >= int64(len(ph.sentAt)) {
		return // a tick of another phase
	}
	if last := ph.last.Load(); last > 0 && seq > last {
		return
	}
	ph.perTab[tb.index].Add(1)
	ph.frames.Add(1)
	ph.bytes.Add(int64(n))
	if sent := ph.sentAt[i].Load(); sent > 0 {
		ph.late[tb.server].Record(now.Sub(ph.epoch) - time.Duration(sent))
	}
}

// pushRun drives one run: its servers, tabs and phases.
type pushRun struct {
	cfg     *config
	plan    planned
	targets []target
	tabs    []*tab
	phase   atomic.Pointer[pushPhase]
	next    int64 // the next tick the market will publish
	hc      *http.Client
	launch  string
	wg      sync.WaitGroup
	readers *tabReaders // the readers of the tabs taken off their websocket.Conn
	ctx     context.Context
	cancel  context.CancelFunc
}

// batchPool holds the batches tickSeq decodes frames into: a tab's reader
// is done with one before it reads the next frame, and the room of a
// batch reused is garbage not made, the load generator's CPU not taken
// from the server's cores.
var batchPool = sync.Pool{New: func() any { return new(live.Batch) }}

// tickSeq finds the tick number a push frame shows: the text of the
// element with id "tick" starts with "#" and the number, in a text update
// of the element or in markup that holds it. It returns 0 when the frame
// has none (an answer to an action). d is the connection's decoder, which
// every batch of it goes through in order.
func tickSeq(d *live.Decoder, msg []byte) int64 {
	seq, _ := decodeTick(d, msg)
	return seq
}

// decodeTick is tickSeq, with the decoder's error when msg does not
// decode.
func decodeTick(d *live.Decoder, msg []byte) (int64, error) {
	b := batchPool.Get().(*live.Batch)
	defer batchPool.Put(b)
	if err := d.DecodeTo(b, msg); err != nil {
		return 0, err
	}
	for _, u := range b.Updates {
		text := u.HTML
		if u.FragmentID != "tick" || u.Action != statetemplate.ActionText {
			i := strings.Index(text, `id="tick"`)
			if i < 0 {
				continue
			}
			text = text[i+len(`id="tick"`):]
			j := strings.IndexByte(text, '>')
			if j < 0 || j > 8 { // the end of the start tag
				continue
			}
			text = text[j+1:]
		}
		if seq := leadingNumber(strings.TrimPrefix(text, "#")); len(text) > 0 && text[0] == '#' && seq > 0 {
			return seq, nil
		}
	}
	return 0, nil
}

// leadingNumber is the decimal number s starts with, 0 when none or out of
// range.
func leadingNumber(s string) int64 {
	n := 0
	for n < len(s) && n <= 19 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	seq, err := strconv.ParseInt(s[:n], 10, 64) // more than 19 digits: out of range
	if err != nil {
		return 0
	}
	return seq
}

// runPush is runOne for -app ticker.
func runPush(ctx context.Context, cfg *config, p planned, prog *progress, stderr io.Writer) (_ []PushRunReport, err error) {
	pr := &pushRun{cfg: cfg, plan: p, next: 1, hc: &http.Client{Timeout: 30 * time.Second}}
	pr.ctx, pr.cancel = context.WithCancel(ctx)
	defer pr.cancel()
	sc := cfg.serverConfig(p)
	if cfg.servers > 1 {
		sc.redisPrefix, sc.broker = newRedisPrefix(), "stload:"+strconv.FormatUint(uint64(time.Now().UnixNano()), 36)
	}
	for range cfg.servers {
		t, launch, err := startPushTarget(ctx, cfg, sc, stderr)
		if err != nil {
			pr.closeTargets()
			return nil, err
		}
		pr.targets = append(pr.targets, t)
		pr.launch = launch
	}
	defer func() {
		if cerr := pr.closeTargets(); cerr != nil && err == nil {
			err = fmt.Errorf("stopping the servers: %w", cerr)
		}
	}()
	base := PushRunReport{Store: p.store, Launch: pr.launch, Servers: cfg.servers, Watch: cfg.watch, Duration: cfg.duration}
	name := fmt.Sprintf("%s/ticker×%d", p.store, cfg.servers)

	// Sessions and WebSockets, split between the servers.
	hcCreate := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.createConc, DisableCompression: true}}
	defer hcCreate.CloseIdleConnections()
	rec := newRecorder()
	for i, t := range pr.targets {
		n, keep := share(cfg.sessions, i, cfg.servers), share(cfg.conns, i, cfg.servers)
		prog.Phase(fmt.Sprintf("%s: sessions on server %d", name, i+1), int64(n), nil)
		cr := createSessions(ctx, hcCreate, t.pageURL(), n, keep, cfg.createConc, rec, prog)
		base.Sessions += int(cr.created)
		base.CreateErrors += cr.errs
		if cr.created == 0 {
			return nil, fmt.Errorf("no session created on server %d: %w", i+1, errors.Join(cr.firstErr, ctx.Err()))
		}
		base.PageBytes = cr.pageBytes
		prog.Phase(fmt.Sprintf("%s: websockets on server %d", name, i+1), int64(len(cr.refs)), nil)
		conns, dialErrs, err := dialAll(ctx, cr.refs, cfg.dialConc, prog)
		base.DialErrors += dialErrs
		if err != nil {
			return nil, err
		}
		for _, c := range conns {
			pr.tabs = append(pr.tabs, &tab{ws: c, server: i, index: len(pr.tabs)})
		}
	}
	defer pr.closeTabs()
	base.Create = rec.Summary()
	base.Tabs = len(pr.tabs)
	prog.Phase(name+": watchlists", int64(len(pr.tabs)), nil)
	if err := pr.prepareTabs(prog); err != nil {
		return nil, err
	}
	pr.startReaders()

	var out []PushRunReport
	for _, rate := range cfg.publish {
		rr, err := pr.measure(rate, base, name, prog)
		if err != nil {
			return out, err
		}
		out = append(out, rr)
	}
	return out, nil
}

// startPushTarget starts one server of a push run.
func startPushTarget(ctx context.Context, cfg *config, sc serverConfig, stderr io.Writer) (target, string, error) {
	if cfg.server == "inproc" {
		s, err := startServer(sc)
		if err != nil {
			return nil, "", err
		}
		return inprocTarget{s}, "inproc", nil
	}
	t, err := startChild(ctx, cfg, sc, stderr)
	if err != nil {
		return nil, "", err
	}
	return t, "child", nil
}

// share is server i's part of n split between servers.
func share(n, i, servers int) int {
	return n/servers + btoi(i < n%servers)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (pr *pushRun) closeTargets() error {
	var errs []error
	for _, t := range pr.targets {
		errs = append(errs, t.close())
	}
	pr.targets = nil
	return errors.Join(errs...)
}

func (pr *pushRun) closeTabs() {
	pr.cancel()
	for _, tb := range pr.tabs {
		tb.ws.ws.CloseNow()
	}
	pr.readers.close()
	pr.wg.Wait()
}

// prepareTabs gives each tab its watchlist, so that tabs' pages differ as
// real users' do, and waits for the answers: a tab answers only once its
// connect hook has run, so it is then subscribed.
func (pr *pushRun) prepareTabs(prog *progress) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range min(pr.cfg.dialConc, len(pr.tabs)) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(pr.tabs)) || pr.ctx.Err() != nil {
					return
				}
				if err := pr.prepare(pr.tabs[i]); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					prog.Err()
					continue
				}
				prog.Step(1)
			}
		})
	}
	wg.Wait()
	return firstErr
}

// prepare sends tb its watch actions, or one that changes nothing, and
// reads until each is acknowledged.
func (pr *pushRun) prepare(tb *tab) error {
	var msgs []string
	for k := range pr.cfg.watch {
		sym := ticker.Symbols[(tb.index*7+k*3)%len(ticker.Symbols)] // 3 is prime to 20: distinct
		msgs = append(msgs, fmt.Sprintf(`{"action":"watch","symbol":%q,"_seq":%d}`, sym, k+1))
	}
	if len(msgs) == 0 {
		msgs = append(msgs, `{"action":"unwatch","symbol":"-","_seq":1}`)
	}
	ctx, cancel := context.WithTimeout(pr.ctx, 30*time.Second)
	defer cancel()
	for i, m := range msgs {
		if err := tb.ws.ws.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			return fmt.Errorf("sending a watch action: %w", err)
		}
		for {
			buf, err := readMessage(ctx, tb.ws.ws)
			if err != nil {
				return fmt.Errorf("waiting for a watch action's answer: %w", err)
			}
			b := buf.Bytes()
			tb.ws.framed += frameLen(len(b))
			// The ack ends the action's batch of updates, or is a batch of
			// its own.
			batch, _ := tb.dec.Decode(b)
			done := batch.Ack == int64(i+1)
			failed := bytes.HasPrefix(b, []byte(`{"error"`))
			bufPool.Put(buf)
			if failed {
				return fmt.Errorf("a watch action failed: %s", b)
			}
			if done {
				break
			}
		}
	}
	return nil
}

// read reads tb's frames through its websocket.Conn until the run ends,
// counting its ticks into the current phase (see startReaders).
func (pr *pushRun) read(tb *tab) {
	defer pr.wg.Done()
	for {
		buf, err := readMessage(readForever, tb.ws.ws) // closeTabs ends it
		if err != nil {
			pr.lost(tb)
			return
		}
		pr.show(tb, buf.Bytes(), time.Now())
		bufPool.Put(buf)
	}
}

// show counts the tick frame b, which tb read at now, into the current
// phase.
func (pr *pushRun) show(tb *tab, b []byte, now time.Time) {
	seq, err := decodeTick(&tb.dec, b)
	if err != nil && !bytes.HasPrefix(b, []byte("{")) { // a JSON reply is no batch
		if ph := pr.phase.Load(); ph != nil {
			ph.undecodable.Add(1)
		}
	}
	if seq > 0 {
		prev := tb.last.Swap(seq)
		ph := pr.phase.Load()
		if ph != nil {
			if seq <= prev {
				ph.badSeq.Add(1) // out of order or twice
			}
			ph.saw(tb, seq, len(b), now)
		}
	}
}

// lost marks tb's connection lost, counted in the current phase while
// the run goes on.
func (pr *pushRun) lost(tb *tab) {
	tb.dead.Store(true)
	if ph := pr.phase.Load(); ph != nil && pr.ctx.Err() == nil {
		ph.lostTab.Add(1)
	}
}

// publishTick makes the first server's market tick; the tick must be the
// one expected, since the tool is its only publisher.
func (pr *pushRun) publishTick() error {
	var a publishAnswer
	if err := callServer(pr.ctx, pr.hc, http.MethodPost, pr.targets[0].pageURL(), "debug/loadpublish", &a); err != nil {
		return fmt.Errorf("publishing: %w", err)
	}
	if a.Seq != pr.next {
		return fmt.Errorf("the market published tick %d, want %d: another publisher?", a.Seq, pr.next)
	}
	pr.next++
	return nil
}

// drive publishes at rate for dur into ph, then waits up to pushDrain for
// every open tab to show the last tick.
func (pr *pushRun) drive(rate float64, dur time.Duration, ph *pushPhase, prog *progress) (published, missed int64, err error) {
	pr.phase.Store(ph)
	start := time.Now()
	end := start.Add(dur)
	p := newPacer(start, rate)
	for now := start; ; now = time.Now() {
		// The ticks due by the end are published even when this loop
		// wakes after it (a stalled machine): a run publishes at least
		// once, and never past its duration.
		for range p.dueBy(now, end) {
			if i := pr.next - ph.first; i < int64(len(ph.sentAt)) {
				ph.sentAt[i].Store(int64(time.Since(ph.epoch)))
			}
			if err := pr.publishTick(); err != nil {
				return published, missed, err
			}
			published++
			prog.Step(1)
		}
		if !now.Before(end) {
			break
		}
		wait := min(time.Until(p.next()), time.Until(end))
		select {
		case <-pr.ctx.Done():
			return published, missed, context.Cause(pr.ctx)
		case <-time.After(max(wait, 0)):
		}
	}
	ph.last.Store(pr.next - 1)
	deadline := time.Now().Add(pushDrain)
	for time.Now().Before(deadline) && pr.behind(ph.last.Load()) > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	return published, p.skipped, nil
}

// behind counts the open tabs that have not shown tick seq yet.
func (pr *pushRun) behind(seq int64) int {
	n := 0
	for _, tb := range pr.tabs {
		if !tb.dead.Load() && tb.last.Load() < seq {
			n++
		}
	}
	return n
}

// measure warms up at rate, then measures one phase.
func (pr *pushRun) measure(rate float64, base PushRunReport, name string, prog *progress) (PushRunReport, error) {
	rr := base
	rr.Rate = rate
	cfg := pr.cfg
	capacity := int(rate*(cfg.duration+cfg.warmup).Seconds()) + 16
	if cfg.warmup > 0 {
		prog.Phase(fmt.Sprintf("%s@%g/s: warmup", name, rate), 0, nil)
		if _, _, err := pr.drive(rate, cfg.warmup, newPushPhase(pr.next, capacity, len(pr.tabs), len(pr.targets)), prog); err != nil {
			return rr, err
		}
	}
	before, err := pr.stats(true)
	if err != nil {
		return rr, err
	}
	for i, t := range pr.targets {
		if err := startProfile(pr.ctx, cfg, t, pr.plan, fmt.Sprintf("push-%g.server%d", rate, i+1)); err != nil {
			return rr, err
		}
	}
	clientBefore := readProcStats(false)
	ph := newPushPhase(pr.next, capacity, len(pr.tabs), len(pr.targets))
	prog.Phase(fmt.Sprintf("%s@%g/s: measuring", name, rate), int64(rate*cfg.duration.Seconds()), nil)
	start := time.Now()
	published, missed, err := pr.drive(rate, cfg.duration, ph, prog)
	if err != nil {
		return rr, err
	}
	elapsed := time.Since(start)
	clientCPU := readProcStats(false).CPU() - clientBefore.CPU()
	for _, t := range pr.targets {
		if err := stopProfile(pr.ctx, cfg, t); err != nil {
			return rr, err
		}
	}
	after, err := pr.settledStats(ph.frames.Load())
	if err != nil {
		return rr, err
	}
	rr.LoadAvg = loadAvg()
	rr.Publishes, rr.MissedPublishes = published, missed
	rr.Received, rr.OutOfOrder, rr.LostTabs = ph.frames.Load(), ph.badSeq.Load(), ph.lostTab.Load()
	rr.Undecodable = ph.undecodable.Load()
	for i := range pr.tabs {
		if got := int64(ph.perTab[i].Load()); got < published {
			rr.SkippedTicks += published - got
			rr.TabsSkipped++
		}
	}
	rr.StaleTabs = pr.behind(ph.last.Load())
	if rr.Received > 0 {
		rr.BytesPerFrame = float64(ph.bytes.Load()) / float64(rr.Received)
		rr.ClientCPUPerFrame = clientCPU / time.Duration(rr.Received)
	}
	for i := range pr.targets {
		sv := PushServerFigures{Tabs: share(len(pr.tabs), i, len(pr.targets)), Latency: after[i].Push, Client: ph.late[i].Summary()}
		sv.CPU = after[i].Proc.CPU() - before[i].Proc.CPU()
		if a, b := after[i].PushStats, before[i].PushStats; a != nil && b != nil {
			sv.Coalesced, sv.Dropped = a.Coalesced-b.Coalesced, a.Dropped-b.Dropped
			sv.BrokerDropped = a.BrokerDropped - b.BrokerDropped
		}
		rr.Frames += sv.Latency.Count
		rr.CPU += sv.CPU
		rr.PerServer = append(rr.PerServer, sv)
	}
	rr.Cores = rr.CPU.Seconds() / elapsed.Seconds()
	rr.ClientCores = clientCPU.Seconds() / elapsed.Seconds()
	if rr.Frames > 0 {
		rr.CPUPerTabPublish = rr.CPU / time.Duration(rr.Frames)
	}
	return rr, nil
}

// stats reads every server's figures; reset starts their recorders anew.
func (pr *pushRun) stats(reset bool) ([]serverStats, error) {
	var out []serverStats
	for i, t := range pr.targets {
		st, err := t.stats(pr.ctx, false, reset)
		if err != nil {
			return nil, fmt.Errorf("reading server %d's figures: %w", i+1, err)
		}
		out = append(out, *st)
	}
	return out, nil
}

// settledStats is stats once the servers have counted at least read
// frames written, or after pushDrain: a writer counts its frame after the
// write returns, so a tab may read the last frame before its server has
// counted it.
func (pr *pushRun) settledStats(read int64) ([]serverStats, error) {
	deadline := time.Now().Add(pushDrain)
	for {
		st, err := pr.stats(false)
		if err != nil {
			return nil, err
		}
		var written int64
		for _, sv := range st {
			written += sv.Push.Count
		}
		if written >= read || !time.Now().Before(deadline) {
			return st, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// PushRunReport is one publishing phase of a push run.
type PushRunReport struct {
	Store    string        `json:"store"`
	Launch   string        `json:"launch"` // child or inproc
	Servers  int           `json:"servers"`
	Sessions int           `json:"sessions"`
	Tabs     int           `json:"tabs"`
	Watch    int           `json:"watch"` // symbols on each tab's watchlist
	Rate     float64       `json:"publish_rate"`
	Duration time.Duration `json:"duration_ns"`
	LoadAvg  string        `json:"loadavg"`

	Create       LatencySummary `json:"create"`
	CreateErrors int64          `json:"create_errors"`
	DialErrors   int64          `json:"dial_errors"`
	PageBytes    int            `json:"page_bytes"`

	Publishes       int64 `json:"publishes"`
	MissedPublishes int64 `json:"missed_publishes"` // due while the previous publish call had not returned
	// Frames is the push frames the servers wrote; Received the tick
	// frames the tabs read.
	Frames   int64 `json:"frames"`
	Received int64 `json:"received"`
	// SkippedTicks counts (tab, tick) pairs a tab never showed: coalesced
	// into a later tick while it was behind. TabsSkipped counts the tabs
	// that skipped at least one; StaleTabs those that had not shown the
	// last tick pushDrain after it.
	SkippedTicks int64 `json:"skipped_ticks"`
	TabsSkipped  int   `json:"tabs_skipped"`
	StaleTabs    int   `json:"stale_tabs"`
	OutOfOrder   int64 `json:"out_of_order"`
	LostTabs     int64 `json:"lost_tabs"`
	// Undecodable counts the frames a tab's decoder failed on (their
	// ticks count as skipped too): the tool's fault, not the server's,
	// unless the server's encoder is wrong.
	Undecodable int64 `json:"undecodable_frames"`

	PerServer        []PushServerFigures `json:"per_server"`
	CPU              time.Duration       `json:"server_cpu_ns"` // all servers, user+system, over the phase
	Cores            float64             `json:"server_cores"`  // CPU / the phase's wall time
	CPUPerTabPublish time.Duration       `json:"cpu_per_tab_publish_ns"`
	BytesPerFrame    float64             `json:"bytes_per_frame"`
	// ClientCPUPerFrame is the load generator's own CPU per frame read;
	// ClientCores its CPU over the phase's wall time, which the servers
	// on the same machine did not get.
	ClientCPUPerFrame time.Duration `json:"client_cpu_per_frame_ns"`
	ClientCores       float64       `json:"client_cores"`
}

// PushServerFigures are one server's part of a push phase.
type PushServerFigures struct {
	Tabs int `json:"tabs"`
	// Latency is from Publish (on the first server) to each push frame
	// written by this one; Client to each tick frame read by the tab.
	Latency       LatencySummary `json:"latency"`
	Client        LatencySummary `json:"client_latency"`
	CPU           time.Duration  `json:"cpu_ns"`
	Coalesced     int64          `json:"coalesced"`
	Dropped       int64          `json:"dropped"`
	BrokerDropped int64          `json:"broker_dropped"`
}
