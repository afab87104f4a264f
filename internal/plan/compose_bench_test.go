package plan

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/benchclock"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/session"
)

// clockTabs are tabs of the dashboard, each with its own session id, that
// share one plan, part cache and PatchCache.
type clockTabs struct {
	p       *Plan
	shared  *cache.Fragments
	patches *fragments.PatchCache
	data    []*fixture.DashboardData
	outs    []Output
}

func newClockTabs(b *testing.B, n, tasks int) *clockTabs {
	p, err := Build(dashboardTemplate(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	shared, err := cache.NewFragments(64 << 20)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(shared.Close)
	ct := &clockTabs{p: p, shared: shared, patches: fragments.NewPatchCache(64 << 20)}
	for i := range n {
		d := fixture.NewDashboard(tasks)
		d.SessionID = fmt.Sprint("tab-", i)
		enc, _ := session.EncodeData(d)
		var page bytes.Buffer
		out, err := p.Render(Input{Data: d, Enc: enc, EncKept: true, Page: &page, Cache: shared, Patches: ct.patches})
		if err != nil {
			b.Fatal(err)
		}
		ct.data, ct.outs = append(ct.data, d), append(ct.outs, out)
	}
	return ct
}

// push gives every tab the time now and a changed statistic, and renders.
// It returns the CPU time the renders took, the encodings not counted.
func (ct *clockTabs) push(b *testing.B, now time.Time) time.Duration {
	step := float64(now.Second()%7) - 3
	var cpu time.Duration
	for i, d := range ct.data {
		d.LastUpdateTime = now
		u := d.Statistics["users"]
		u.Value += step
		u.Change = step
		d.Statistics["users"] = u
		enc, _ := session.EncodeData(d)
		prev := ct.outs[i]
		c0 := benchclock.Now()
		out, err := ct.p.Render(Input{Data: d, Enc: enc, EncKept: true, Prev: prev.State, Memo: prev.Memo,
			Cache: ct.shared, Patches: ct.patches})
		cpu += benchclock.Now() - c0
		if err != nil || len(out.Updates) == 0 {
			b.Fatal(err, out.Updates)
		}
		ct.outs[i] = out
	}
	return cpu
}

// BenchmarkRender_ClockPushComposed is the dashboard's clock push at the
// plan level (each tab's data encoded and rendered; no session): two sets
// of tabs, one with parts of static shells composed (the status footer),
// one with them executed by text/template, pushed in turn in one loop. It
// reports the CPU per tab of each and their ratio (of the renders alone:
// the tabs' encodings are not counted).
func BenchmarkRender_ClockPushComposed(b *testing.B) {
	for _, tasks := range []int{5, 50} {
		b.Run(fmt.Sprintf("tasks=%d", tasks), func(b *testing.B) {
			pushEachWay(b, tasks, "composed", "executed", func(on bool) { composeStatic = on })
		})
	}
}

// BenchmarkRender_ClockPushKept is the dashboard's clock push at the plan
// level, two sets of tabs pushed in turn in one loop: one whose renders
// keep the keys of parts that read only unchanged root entries
// (rootfields.go), one whose renders compute every key. It reports the
// CPU per tab of each and their ratio (of the renders alone).
func BenchmarkRender_ClockPushKept(b *testing.B) {
	for _, tasks := range []int{5, 50, 500} {
		b.Run(fmt.Sprintf("tasks=%d", tasks), func(b *testing.B) {
			pushEachWay(b, tasks, "kept", "computed", func(on bool) { keepKeys = on })
		})
	}
}

// pushEachWay pushes two sets of 200 tabs of the dashboard with tasks
// tasks in turn, the first with set(true), the second with set(false),
// and reports the render CPU per tab of each (named on and off) and their
// ratio. It leaves set(true).
func pushEachWay(b *testing.B, tasks int, on, off string, set func(bool)) {
	const tabs = 200
	a, o := newClockTabs(b, tabs, tasks), newClockTabs(b, tabs, tasks)
	defer set(true)
	now := fixture.Clock
	var cOn, cOff time.Duration
	for b.Loop() {
		now = now.Add(time.Second)
		set(true)
		cOn += a.push(b, now)
		set(false)
		cOff += o.push(b, now)
	}
	n := float64(b.N * tabs)
	b.ReportMetric(float64(cOn.Microseconds())/n, "cpu-µs/tab-"+on)
	b.ReportMetric(float64(cOff.Microseconds())/n, "cpu-µs/tab-"+off)
	b.ReportMetric(float64(cOn)/float64(cOff), "x-"+off)
}

// piecesOn turns on what perf13 added (shells with conditions composed,
// data-cache="false" parts re-sent as shells), or off.
func piecesOn(on bool) { composeConds, resendShells = on, on }

// BenchmarkRender_Pieces renders the dashboard's changes at the plan level
// (each render's data encoded; no session) in two sets of sessions pushed
// in turn in one loop, one with shells with conditions composed and
// data-cache="false" parts re-sent as shells, one without (as before),
// and reports the CPU of each and their ratio: a counter click on one
// 500-task dashboard (its history moving, as the app's), and the clock
// push to 200 tabs of 5 and 50 tasks.
func BenchmarkRender_Pieces(b *testing.B) {
	defer piecesOn(true)
	b.Run("counter/tasks=500", func(b *testing.B) {
		on, off := newDashboardRun(b, 500), newDashboardRun(b, 500)
		shared, err := cache.NewFragments(64 << 20)
		if err != nil {
			b.Fatal(err)
		}
		defer shared.Close()
		patches := fragments.NewPatchCache(64 << 20)
		// click changes the counter as the app does (its history moves)
		// and returns the CPU of the render alone: the encoding of the
		// data, which the session keeps up to date by what changed, is
		// not the renderer's.
		click := func(dr *dashboardRun, pieces bool) time.Duration {
			d := dr.d
			d.Counter = (d.Counter + 1) % (d.MaxCounter + 2) // past the maximum: its conditions flip
			d.CounterHistory = append(d.CounterHistory, fixture.CounterChange{Action: "increment", Value: d.Counter, Timestamp: d.LastUpdateTime})
			if n := len(d.CounterHistory); n > 5 {
				d.CounterHistory = d.CounterHistory[n-5:]
			}
			enc, _ := session.EncodeData(d)
			piecesOn(pieces)
			c0 := benchclock.Now()
			out, err := dr.p.Render(Input{Data: d, Enc: enc, EncKept: true, Prev: dr.out.State, Memo: dr.out.Memo,
				Cache: shared, Patches: patches})
			c := benchclock.Now() - c0
			if err != nil || len(out.Updates) == 0 {
				b.Fatal(err, out.Updates)
			}
			dr.out = out
			return c
		}
		var cOn, cOff time.Duration
		for b.Loop() {
			cOn += click(on, true)
			cOff += click(off, false)
		}
		b.ReportMetric(float64(cOn.Microseconds())/float64(b.N), "cpu-µs-pieces")
		b.ReportMetric(float64(cOff.Microseconds())/float64(b.N), "cpu-µs-before")
		b.ReportMetric(float64(cOn)/float64(cOff), "x-before")
	})
	for _, tasks := range []int{5, 50} {
		b.Run(fmt.Sprintf("clock/tasks=%d", tasks), func(b *testing.B) {
			pushEachWay(b, tasks, "pieces", "before", piecesOn)
		})
	}
}
