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
