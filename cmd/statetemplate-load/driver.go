package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// cycle is the sequence of actions each connection repeats. It adds a task
// and removes it again, and steps the counter up and back down, so that a
// session's page keeps its size however long the run.
var cycle = [...]string{actIncrement, actAddTask, actToggle, actDelete, actDecrement}

// conn is one open WebSocket, with the state of its action cycle. The
// dispatcher and the connection's reader take turns owning it: whoever
// took it from the idle queue, or received its answer, may touch it.
type conn struct {
	ws      *websocket.Conn
	tcp     net.Conn // ws's TCP connection (a *countedConn); nil when the dial did not say, or over TLS (wss)
	framed  int64    // the least bytes the frames of the messages read through ws take (frameLen)
	known   []string // task ids seen on this session's page
	newTask string   // the task this connection added, until deleted
	step    int
	seq     int
	kind    string // action in flight
	msg     []byte
	sentAt  atomic.Int64 // ns since the driver's epoch, +1; 0 when idle; givenUp
	dead    atomic.Bool
}

// givenUp marks a connection whose action was given up at the end of a
// phase: its late answer frees it but is not timed.
const givenUp = -1

// next prepares the connection's next action.
func (c *conn) next() {
	kind := cycle[c.step%len(cycle)]
	c.step++
	if c.newTask == "" {
		switch kind { // the add's answer named no new task: keep the cycle balanced
		case actToggle:
			kind = actIncrement
		case actDelete:
			kind = actDecrement
		}
	}
	c.kind = kind
	a := actionMsg{Action: kind}
	switch kind {
	case actAddTask:
		c.seq++
		a.Title, a.Priority = fmt.Sprintf("Load task %d", c.seq), "medium"
	case actToggle, actDelete:
		a.TaskID = c.newTask
	}
	c.msg, _ = json.Marshal(a)
}

// answered updates the cycle's state from the answer to the action in flight.
func (c *conn) answered(msg []byte) {
	switch c.kind {
	case actAddTask:
		if ids := taskIDs(msg, c.known); len(ids) > 0 {
			c.newTask = ids[len(ids)-1]
			c.known = append(c.known, ids...)
		}
	case actDelete:
		c.known = slices.DeleteFunc(c.known, func(id string) bool { return id == c.newTask })
		c.newTask = ""
	}
}

// phaseStats collects the figures of one driven phase.
type phaseStats struct {
	rtt         *recorder
	actions     map[string]*actionStat
	sent        atomic.Int64
	completed   atomic.Int64
	bytes       atomic.Int64
	errors      atomic.Int64 // error answers and failed writes
	missed      atomic.Int64
	unsolicited atomic.Int64 // messages with no action in flight: pushes, or answers after actionTimeout
	late        atomic.Int64 // answers to actions given up at the end of the previous phase
	lost        atomic.Int64 // connections that closed while driven
	timeouts    atomic.Int64 // actions with no answer within actionTimeout
	unanswered  atomic.Int64 // still in flight when the phase ended

	errMu    sync.Mutex
	errCodes map[string]int64 // error answers by code
}

// errorCode returns the code of an error answer ({"error": "code", ...}).
func errorCode(msg []byte) (string, bool) {
	if !bytes.HasPrefix(msg, []byte(`{"error"`)) {
		return "", false
	}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(msg, &e) != nil || e.Error == "" {
		return "malformed", true
	}
	return e.Error, true
}

func (st *phaseStats) countError(code string) {
	st.errMu.Lock()
	defer st.errMu.Unlock()
	if st.errCodes == nil {
		st.errCodes = map[string]int64{}
	}
	st.errCodes[code]++
}

func (st *phaseStats) errorCodes() map[string]int64 {
	st.errMu.Lock()
	defer st.errMu.Unlock()
	return maps.Clone(st.errCodes)
}

// actionTimeout is how long an action may go unanswered before its
// connection is given another one. (package live sends nothing for an
// action that changes nothing; the cycle avoids those, but a server may
// still drop an action.) It is long, so that an overloaded server is
// not sent more work on connections whose answers are merely late.
const actionTimeout = 30 * time.Second

type actionStat struct {
	rtt    *recorder
	count  atomic.Int64
	bytes  atomic.Int64
	sample atomic.Pointer[[]byte] // the first answer, for -answers
}

func newPhaseStats() *phaseStats {
	st := &phaseStats{rtt: newRecorder(), actions: map[string]*actionStat{}}
	for _, a := range cycle {
		st.actions[a] = &actionStat{rtt: newRecorder()}
	}
	return st
}

func (st *phaseStats) perAction() []ActionStats {
	var out []ActionStats
	for _, name := range []string{actIncrement, actDecrement, actAddTask, actToggle, actDelete} {
		a := st.actions[name]
		n := a.count.Load()
		if n == 0 {
			continue
		}
		s := a.rtt.Summary()
		out = append(out, ActionStats{Action: name, Count: n, Bytes: a.bytes.Load(),
			MeanBytes: float64(a.bytes.Load()) / float64(n), P50: s.P50, P99: s.P99})
	}
	return out
}

// writeSamples writes the first answer to each action into dir, named
// PREFIX-ACTION.txt.
func (st *phaseStats) writeSamples(dir, prefix string) error {
	for name, a := range st.actions {
		if p := a.sample.Load(); p != nil {
			if err := os.WriteFile(filepath.Join(dir, prefix+"-"+name+".txt"), *p, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// driver drives actions over a set of connections.
type driver struct {
	conns  []*conn
	idle   chan *conn
	work   chan *conn
	epoch  time.Time
	stats  atomic.Pointer[phaseStats]
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// writers is how many goroutines write actions: writes on loopback are
// quick, and a few writers keep one slow socket from holding up the rest.
const writers = 16

func newDriver(conns []*conn) *driver {
	ctx, cancel := context.WithCancel(context.Background())
	d := &driver{
		conns: conns, idle: make(chan *conn, len(conns)), work: make(chan *conn, len(conns)),
		epoch: time.Now(), ctx: ctx, cancel: cancel,
	}
	d.stats.Store(newPhaseStats())
	for i, c := range conns {
		// Connections start at different points of the cycle, so that every
		// phase sees the whole mix even when each connection acts only once
		// or twice in it (10,000 connections at 500 actions/s).
		c.step = i % len(cycle)
		d.idle <- c
		d.wg.Add(1)
		go d.read(c)
	}
	for range writers {
		d.wg.Add(1)
		go d.write()
	}
	return d
}

// bufPool holds the buffers answers are read into: reading into a pooled
// buffer rather than a fresh slice per message keeps the load generator's
// garbage, and so its CPU, down.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readMessage reads one message into a pooled buffer; put it back with
// bufPool.Put once done with the bytes. The loops that read every frame of
// a connection pass readForever and stop by closing it (CloseNow): a read
// with a context that can end costs coder/websocket a context.AfterFunc
// registered on, and removed from, that context, which every connection of
// the run shares — the tool's own CPU, taken from the server's two cores.
func readMessage(ctx context.Context, ws *websocket.Conn) (*bytes.Buffer, error) {
	_, r, err := ws.Reader(ctx)
	if err != nil {
		return nil, err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		bufPool.Put(buf)
		return nil, err
	}
	return buf, nil
}

// readForever is the context of the loops that read a connection until it
// is closed (see readMessage).
var readForever = context.Background()

func (d *driver) read(c *conn) {
	defer d.wg.Done()
	for {
		buf, err := readMessage(readForever, c.ws)
		now := int64(time.Since(d.epoch))
		st := d.stats.Load()
		if err != nil {
			c.dead.Store(true)
			if d.ctx.Err() == nil {
				st.lost.Add(1)
			}
			return
		}
		msg := buf.Bytes()
		sent := c.sentAt.Swap(0)
		switch sent {
		case 0:
			st.unsolicited.Add(1)
			bufPool.Put(buf)
			continue
		case givenUp:
			st.late.Add(1)
			bufPool.Put(buf)
			d.idle <- c
			continue
		}
		lat := time.Duration(now - (sent - 1))
		a := st.actions[c.kind]
		st.rtt.Record(lat)
		a.rtt.Record(lat)
		a.count.Add(1)
		a.bytes.Add(int64(len(msg)))
		if a.sample.Load() == nil {
			sample := bytes.Clone(msg)
			a.sample.CompareAndSwap(nil, &sample)
		}
		st.completed.Add(1)
		st.bytes.Add(int64(len(msg)))
		if code, ok := errorCode(msg); ok {
			st.errors.Add(1)
			st.countError(code)
		}
		c.answered(msg)
		bufPool.Put(buf)
		d.idle <- c // capacity len(conns): never blocks
	}
}

func (d *driver) write() {
	defer d.wg.Done()
	for {
		select {
		case <-d.ctx.Done():
			return
		case c := <-d.work:
			if err := c.ws.Write(d.ctx, websocket.MessageText, c.msg); err != nil {
				if c.sentAt.Swap(0) != 0 {
					d.stats.Load().errors.Add(1)
				}
				c.dead.Store(true)
			}
		}
	}
}

// run drives actions at rate for dur, recording into st, then waits up to
// drain for the answers still in flight.
func (d *driver) run(ctx context.Context, rate float64, dur, drain time.Duration, st *phaseStats, prog *progress) {
	d.stats.Store(st)
	start := time.Now()
	end := start.Add(dur)
	p := newPacer(start, rate)
	timer := time.NewTimer(0)
	defer timer.Stop()
	lastReap := start
	for {
		now := time.Now()
		if !now.Before(end) || ctx.Err() != nil {
			break
		}
		if now.Sub(lastReap) >= 250*time.Millisecond {
			d.reap(st)
			lastReap = now
		}
		for range p.due(now) {
			if d.dispatch(st) {
				prog.Step(1)
			} else {
				st.missed.Add(1)
			}
		}
		wake := p.next()
		if wake.After(end) {
			wake = end
		}
		timer.Reset(max(time.Until(wake), 50*time.Microsecond))
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
	}
	st.missed.Add(p.skipped)
	d.waitIdle(ctx, drain, st)
}

// reap gives up on actions unanswered for actionTimeout, returning their
// connections to the idle pool. A late answer then counts as unsolicited.
func (d *driver) reap(st *phaseStats) {
	now := int64(time.Since(d.epoch))
	limit := now - int64(actionTimeout) + 1
	for _, c := range d.conns {
		if sent := c.sentAt.Load(); sent > 0 && sent < limit && !c.dead.Load() && c.sentAt.CompareAndSwap(sent, 0) {
			st.timeouts.Add(1)
			st.giveUp(c.kind, time.Duration(now-(sent-1)))
			d.idle <- c
		}
	}
}

// giveUp records an action that got no answer at its age: a lower bound
// of its latency, so that an overloaded server's percentiles are not
// flattered by leaving out its slowest answers.
func (st *phaseStats) giveUp(kind string, age time.Duration) {
	st.rtt.Record(age)
	st.actions[kind].rtt.Record(age)
}

// dispatch sends the next action on an idle connection, if there is one.
func (d *driver) dispatch(st *phaseStats) bool {
	for {
		select {
		case c := <-d.idle:
			if c.dead.Load() {
				continue // dropped from the pool for good
			}
			c.next()
			c.sentAt.Store(int64(time.Since(d.epoch)) + 1)
			st.sent.Add(1)
			d.work <- c // capacity len(conns): never blocks
			return true
		default:
			return false
		}
	}
}

// waitIdle waits until no action is in flight, or for at most max; the
// actions still in flight then are given up (see giveUp) and counted as
// unanswered. Their connections stay busy: a late answer frees them.
func (d *driver) waitIdle(ctx context.Context, max time.Duration, st *phaseStats) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		busy := 0
		for _, c := range d.conns {
			if c.sentAt.Load() > 0 && !c.dead.Load() {
				busy++
			}
		}
		if busy == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	now := int64(time.Since(d.epoch))
	for _, c := range d.conns {
		if sent := c.sentAt.Load(); sent > 0 && !c.dead.Load() && c.sentAt.CompareAndSwap(sent, givenUp) {
			st.unanswered.Add(1)
			st.giveUp(c.kind, time.Duration(now-(sent-1)))
		}
	}
}

// alive counts the connections still open.
func (d *driver) alive() int {
	n := 0
	for _, c := range d.conns {
		if !c.dead.Load() {
			n++
		}
	}
	return n
}

// close ends every connection and waits for the goroutines.
func (d *driver) close() {
	d.cancel()
	for _, c := range d.conns {
		c.ws.CloseNow()
	}
	d.wg.Wait()
}
