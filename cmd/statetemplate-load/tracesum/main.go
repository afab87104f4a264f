// Command tracesum sums an execution trace of a statetemplate server
// (statetemplate-load -trace) by what its goroutines do, and by publish:
// where the wall time of a push fan-out goes. It is its own module, so that
// golang.org/x/exp/trace is no dependency of statetemplate's.
//
//	cd cmd/statetemplate-load/tracesum && go run . /tmp/tr.bolt-live.push-5.server1
//
// It prints, per class of goroutine (push workers, connection writers, the
// bolt writer, the GC's mark workers…), the time running, runnable (waiting
// for a P) and in syscalls, and the longest waits by reason and stack; how
// long syscalls held a P; then the fan-outs (bursts of the push workers'
// running time, gap -gap) with what ran during them, for the fastest half
// and the slowest fifth and tenth.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// classes names goroutines by a function on their stack.
var classes = []struct{ frame, class string }{
	{"live.(*pool[", "push worker"},
	{"live.(*conn).writeLoop", "conn writer"},
	{"bolt.(*Store).writer", "bolt writer"},
	{"runtime.gcBgMarkWorker", "GC mark worker"},
	{"ristretto", "ristretto"},
}

func classify(st trace.Stack) string {
	last := ""
	for f := range st.Frames() {
		for _, c := range classes {
			if strings.Contains(f.Func, c.frame) {
				return c.class
			}
		}
		last = f.Func
	}
	if last == "" {
		return "unknown"
	}
	return "other: " + last
}

// where names a blocking stack by its first frames outside the runtime.
func where(st trace.Stack) string {
	var out []string
	for f := range st.Frames() {
		if strings.HasPrefix(f.Func, "runtime.") || strings.HasPrefix(f.Func, "sync.") || strings.HasPrefix(f.Func, "internal/") {
			if len(out) == 0 {
				out = append(out, f.Func)
			}
			continue
		}
		if out = append(out, f.Func); len(out) >= 3 {
			break
		}
	}
	return strings.Join(out, " < ")
}

type goroutine struct {
	class string
	state trace.GoState
	since trace.Time
	why   string
}

type totals struct {
	n                          int
	running, runnable, syscall time.Duration
	waits                      map[string]time.Duration
}

// syscallOn is a syscall in progress on a P.
type syscallOn struct {
	g     trace.GoID
	start trace.Time
	class string
}

type summary struct {
	bucket   time.Duration
	t0       trace.Time
	gs       map[trace.GoID]*goroutine
	by       map[string]*totals
	timeline map[int64]map[string]time.Duration // bucket → class → running time
	procs    map[trace.ProcID]trace.Time        // when a P started running
	onP      map[trace.ProcID]syscallOn
	held     map[string]time.Duration // P time held by syscalls, by class
	inSys    map[string]time.Duration
}

func (s *summary) of(class string) *totals {
	t := s.by[class]
	if t == nil {
		t = &totals{waits: map[string]time.Duration{}}
		s.by[class] = t
	}
	return t
}

// run adds class's running time from..to to the timeline.
func (s *summary) run(class string, from, to trace.Time) {
	for from < to {
		b := int64(from.Sub(s.t0) / s.bucket)
		end := min(s.t0+trace.Time(time.Duration(b+1)*s.bucket), to)
		m := s.timeline[b]
		if m == nil {
			m = map[string]time.Duration{}
			s.timeline[b] = m
		}
		m[class] += end.Sub(from)
		from = end
	}
}

// release ends the syscall holding p, if one does, at t.
func (s *summary) release(p trace.ProcID, t trace.Time) {
	if sc, ok := s.onP[p]; ok {
		s.held[sc.class] += t.Sub(sc.start)
		delete(s.onP, p)
	}
}

func (s *summary) event(ev trace.Event) {
	if p := ev.Proc(); p != trace.NoProc {
		if sc, ok := s.onP[p]; ok && ev.Goroutine() != sc.g && ev.Goroutine() != trace.NoGoroutine {
			s.release(p, ev.Time()) // another goroutine runs on the P: retaken
		}
	}
	if ev.Kind() != trace.EventStateTransition {
		return
	}
	st := ev.StateTransition()
	switch st.Resource.Kind {
	case trace.ResourceProc:
		p := st.Resource.Proc()
		if start := s.procs[p]; start != 0 {
			s.run("P running", start, ev.Time())
		}
		s.procs[p] = 0
		if _, to := st.Proc(); to.Executing() {
			s.procs[p] = ev.Time()
		}
		return
	case trace.ResourceGoroutine:
	default:
		return
	}
	id := st.Resource.Goroutine()
	from, to := st.Goroutine()
	g := s.gs[id]
	if g == nil {
		g = &goroutine{since: ev.Time(), class: "unknown"}
		s.gs[id] = g
		s.of(g.class).n++
	}
	if g.class == "unknown" || strings.HasPrefix(g.class, "other") {
		// A goroutine's stack shows where it started (its creation) or
		// where it is (its own transitions); the first that names a class
		// names it.
		c := classify(st.Stack)
		if ev.Goroutine() == id && (c == "unknown" || strings.HasPrefix(c, "other")) {
			if c2 := classify(ev.Stack()); c2 != "unknown" {
				c = c2
			}
		}
		if c != g.class && c != "unknown" && (g.class == "unknown" || !strings.HasPrefix(c, "other")) {
			s.of(g.class).n--
			g.class = c
			s.of(c).n++
		}
	}
	t, d := s.of(g.class), ev.Time().Sub(g.since)
	switch g.state {
	case trace.GoRunning:
		t.running += d
		s.run(g.class, g.since, ev.Time())
	case trace.GoRunnable:
		t.runnable += d
	case trace.GoSyscall:
		t.syscall += d
		s.inSys[g.class] += d
		s.run(g.class+" in syscalls", g.since, ev.Time())
	case trace.GoWaiting:
		t.waits[g.why] += d
	}
	if from == trace.GoSyscall {
		for p, sc := range s.onP {
			if sc.g == id {
				s.release(p, ev.Time())
			}
		}
	}
	if to == trace.GoSyscall && ev.Proc() != trace.NoProc {
		s.onP[ev.Proc()] = syscallOn{id, ev.Time(), g.class}
	}
	g.state, g.since = to, ev.Time()
	if to == trace.GoWaiting {
		g.why = st.Reason + " @ " + where(st.Stack)
	}
}

// burst is one fan-out: buckets in which the push workers ran, with gaps
// shorter than -gap.
type burst struct {
	wall time.Duration
	by   map[string]time.Duration
}

func (s *summary) bursts(gap time.Duration, end int64) []burst {
	var out []burst
	last := int64(-1 << 40)
	for b := int64(0); b <= end; b++ {
		m := s.timeline[b]
		if m["push worker"] == 0 {
			continue
		}
		if time.Duration(b-last)*s.bucket > gap {
			out = append(out, burst{by: map[string]time.Duration{}})
		}
		cur := &out[len(out)-1]
		cur.wall += time.Duration(b-max(last, b-1)) * s.bucket
		for c, v := range m {
			cur.by[c] += v
		}
		last = b
	}
	return out
}

func main() {
	bucket := flag.Duration("bucket", time.Millisecond, "timeline resolution")
	gap := flag.Duration("gap", 15*time.Millisecond, "the push workers' idle time that ends a fan-out")
	flag.Parse()
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	r, err := trace.NewReader(f)
	if err != nil {
		log.Fatal(err)
	}
	s := &summary{bucket: *bucket, gs: map[trace.GoID]*goroutine{}, by: map[string]*totals{},
		timeline: map[int64]map[string]time.Duration{}, procs: map[trace.ProcID]trace.Time{},
		onP: map[trace.ProcID]syscallOn{}, held: map[string]time.Duration{}, inSys: map[string]time.Duration{}}
	var last trace.Time
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if s.t0 == 0 {
			s.t0 = ev.Time()
		}
		last = ev.Time()
		s.event(ev)
	}
	total := last.Sub(s.t0)
	fmt.Printf("trace of %v, %d goroutines\n\n", total.Round(time.Millisecond), len(s.gs))
	var names []string
	for k, t := range s.by {
		if t.running+s.held[k] > 50*time.Millisecond {
			names = append(names, k)
		}
	}
	sort.Slice(names, func(i, j int) bool { return s.by[names[i]].running > s.by[names[j]].running })
	for _, k := range names {
		t := s.by[k]
		fmt.Printf("%-28s %5d  running %7.3fs (%.2f Ps)  runnable %7.3fs  in syscalls %7.3fs, holding a P %7.3fs\n",
			k, t.n, t.running.Seconds(), t.running.Seconds()/total.Seconds(), t.runnable.Seconds(), t.syscall.Seconds(), s.held[k].Seconds())
		type kv struct {
			k string
			v time.Duration
		}
		var ws []kv
		for w, v := range t.waits {
			ws = append(ws, kv{w, v})
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i].v > ws[j].v })
		for _, w := range ws[:min(len(ws), 3)] {
			fmt.Printf("      waiting %8.3fs  %s\n", w.v.Seconds(), w.k)
		}
	}
	bs := s.bursts(*gap, int64(total / *bucket))
	var fanouts []burst
	for _, b := range bs {
		if b.by["push worker"] > 20*time.Millisecond { // a publish's, not a reconnection's
			fanouts = append(fanouts, b)
		}
	}
	sort.Slice(fanouts, func(i, j int) bool { return fanouts[i].wall < fanouts[j].wall })
	n := len(fanouts)
	fmt.Printf("\n%d fan-outs; per fan-out, mean of each group (P time: what the process's Ps did, as Go sees it):\n", n)
	show := func(name string, group []burst) {
		if len(group) == 0 {
			return
		}
		m := map[string]time.Duration{}
		var wall time.Duration
		for _, b := range group {
			wall += b.wall
			for c, v := range b.by {
				m[c] += v
			}
		}
		k := time.Duration(len(group))
		fmt.Printf("%-14s %3d  wall %6.1fms  Ps running %6.1fms (%.2f)  workers %6.1fms  writers %5.1fms + syscalls %5.1fms  GC marking %5.1fms  bolt writer %5.1fms + syscalls %5.1fms\n",
			name, len(group), ms(wall/k), ms(m["P running"]/k), m["P running"].Seconds()/wall.Seconds(), ms(m["push worker"]/k),
			ms(m["conn writer"]/k), ms(m["conn writer in syscalls"]/k), ms(m["GC mark worker"]/k), ms(m["bolt writer"]/k), ms(m["bolt writer in syscalls"]/k))
	}
	for _, c := range []string{"bolt writer", "bolt writer in syscalls"} {
		var per []time.Duration
		for _, b := range fanouts {
			per = append(per, b.by[c])
		}
		sort.Slice(per, func(i, j int) bool { return per[i] < per[j] })
		if n > 0 {
			fmt.Printf("%s, per fan-out: median %.1fms, 80th percentile %.1fms, 90th %.1fms, max %.1fms\n",
				c, ms(per[n/2]), ms(per[n*8/10]), ms(per[n*9/10]), ms(per[n-1]))
		}
	}
	show("all", fanouts)
	show("fastest half", fanouts[:n/2])
	show("slowest fifth", fanouts[n*4/5:])
	show("slowest tenth", fanouts[n*9/10:])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
