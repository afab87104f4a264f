package plan

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/benchclock"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/session"
)

// BenchmarkRender_VsExecute times, interleaved in one loop, a plain
// Execute of the dashboard and a plan render of one change (encoding the
// data included), and reports the ratio.
func BenchmarkRender_VsExecute(b *testing.B) {
	for _, tasks := range []int{50, 500} {
		for _, change := range []string{"counter", "toggle"} {
			b.Run(fmt.Sprintf("%s/tasks=%d", change, tasks), func(b *testing.B) {
				tmpl := dashboardTemplate()
				p, err := Build(tmpl, Options{})
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
				plain := fixture.NewDashboard(tasks)
				var buf bytes.Buffer
				var tPlain, tPlan, cPlain, cPlan time.Duration
				i := 0
				for b.Loop() {
					i++
					t0, c0 := time.Now(), benchclock.Now()
					buf.Reset()
					plain.Counter++
					if err := tmpl.Execute(&buf, plain); err != nil {
						b.Fatal(err)
					}
					t1, c1 := time.Now(), benchclock.Now()
					switch change {
					case "counter":
						d.Counter++
					case "toggle":
						t := &d.Tasks[i%len(d.Tasks)]
						t.Completed = !t.Completed
					}
					enc, _ := session.EncodeData(d)
					out, err = p.Render(Input{Data: d, Enc: enc, Prev: out.State, Memo: out.Memo})
					if err != nil || len(out.Updates) == 0 {
						b.Fatal(err, out.Updates)
					}
					tPlan += time.Since(t1)
					cPlan += benchclock.Now() - c1
					tPlain += t1.Sub(t0)
					cPlain += c1 - c0
				}
				b.ReportMetric(float64(tPlan)/float64(tPlain), "x-plain")
				b.ReportMetric(float64(cPlan)/float64(cPlain), "cpu-x-plain")
				b.ReportMetric(float64(cPlan.Microseconds())/float64(i), "cpu-µs-plan")
				b.ReportMetric(float64(cPlain.Microseconds())/float64(i), "cpu-µs-plain")
				_ = fragments.Diff
			})
		}
	}
}

// BenchmarkRender_Change is a plan render of one change, alone, for
// profiles.
func BenchmarkRender_Change(b *testing.B) {
	for _, tasks := range []int{50, 500} {
		for _, change := range []string{"counter", "toggle"} {
			b.Run(fmt.Sprintf("%s/tasks=%d", change, tasks), func(b *testing.B) {
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
				i := 0
				b.ReportAllocs()
				for b.Loop() {
					i++
					switch change {
					case "counter":
						d.Counter++
					case "toggle":
						t := &d.Tasks[i%len(d.Tasks)]
						t.Completed = !t.Completed
					}
					enc, _ := session.EncodeData(d)
					out, err = p.Render(Input{Data: d, Enc: enc, Prev: out.State, Memo: out.Memo})
					if err != nil || len(out.Updates) == 0 {
						b.Fatal(err, out.Updates)
					}
				}
			})
		}
	}
}
