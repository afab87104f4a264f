package plan

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/livefir/statetemplate/internal/benchclock"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/session"
)

// benchChanges are the dashboard changes the plan benchmarks render.
var benchChanges = []string{"counter", "toggle"}

// dashboardRun is a plan of the dashboard and a page of it rendered once.
type dashboardRun struct {
	p   *Plan
	d   *fixture.DashboardData
	out Output
	i   int
}

func newDashboardRun(b testing.TB, tasks int) *dashboardRun {
	p, err := Build(dashboardTemplate(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	d := fixture.NewDashboard(tasks)
	enc, _ := session.EncodeData(d)
	var page bytes.Buffer
	out, err := p.Render(Input{Data: d, Enc: enc, Page: &page})
	if err != nil {
		b.Fatal(err)
	}
	return &dashboardRun{p: p, d: d, out: out}
}

// step makes change, encodes the data and renders the update.
func (dr *dashboardRun) step(b *testing.B, change string) {
	dr.i++
	switch change {
	case "counter":
		dr.d.Counter++
	case "toggle":
		t := &dr.d.Tasks[dr.i%len(dr.d.Tasks)]
		t.Completed = !t.Completed
	}
	enc, _ := session.EncodeData(dr.d)
	out, err := dr.p.Render(Input{Data: dr.d, Enc: enc, Prev: dr.out.State, Memo: dr.out.Memo})
	if err != nil || len(out.Updates) == 0 {
		b.Fatal(err, out.Updates)
	}
	dr.out = out
}

// BenchmarkRender_VsExecute times, interleaved in one loop, a plain
// Execute of the dashboard and a plan render of one change (encoding the
// data included), and reports the ratio.
func BenchmarkRender_VsExecute(b *testing.B) {
	for _, tasks := range []int{50, 500} {
		for _, change := range benchChanges {
			b.Run(fmt.Sprintf("%s/tasks=%d", change, tasks), func(b *testing.B) {
				tmpl := dashboardTemplate()
				dr := newDashboardRun(b, tasks)
				plain := fixture.NewDashboard(tasks)
				var buf bytes.Buffer
				var tPlain, tPlan, cPlain, cPlan time.Duration
				for b.Loop() {
					t0, c0 := time.Now(), benchclock.Now()
					buf.Reset()
					plain.Counter++
					if err := tmpl.Execute(&buf, plain); err != nil {
						b.Fatal(err)
					}
					t1, c1 := time.Now(), benchclock.Now()
					dr.step(b, change)
					tPlan += time.Since(t1)
					cPlan += benchclock.Now() - c1
					tPlain += t1.Sub(t0)
					cPlain += c1 - c0
				}
				b.ReportMetric(float64(tPlan)/float64(tPlain), "x-plain")
				b.ReportMetric(float64(cPlan)/float64(cPlain), "cpu-x-plain")
				b.ReportMetric(float64(cPlan.Microseconds())/float64(dr.i), "cpu-µs-plan")
				b.ReportMetric(float64(cPlain.Microseconds())/float64(dr.i), "cpu-µs-plain")
			})
		}
	}
}

// BenchmarkRender_Change is a plan render of one change, alone, for
// profiles.
func BenchmarkRender_Change(b *testing.B) {
	for _, tasks := range []int{50, 500} {
		for _, change := range benchChanges {
			b.Run(fmt.Sprintf("%s/tasks=%d", change, tasks), func(b *testing.B) {
				dr := newDashboardRun(b, tasks)
				b.ReportAllocs()
				for b.Loop() {
					dr.step(b, change)
				}
			})
		}
	}
}
