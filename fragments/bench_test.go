package fragments

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"html/template"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dashPair renders the 50-task dashboard with tmpl before and after change.
func dashPair(t tb, tmpl *template.Template, change func(d *fixture.DashboardData)) (old, page []byte) {
	d := fixture.NewDashboard(50)
	var a, b bytes.Buffer
	require.NoError(t, tmpl.Execute(&a, d))
	change(d)
	require.NoError(t, tmpl.Execute(&b, d))
	return a.Bytes(), b.Bytes()
}

func counterChange(d *fixture.DashboardData) { d.Counter++ }

func taskInsertMiddle(d *fixture.DashboardData) {
	fixture.NewMutator(1).Apply(d, fixture.MutTaskInsertMiddle)
	d.LastUpdateTime = fixture.Clock
}

var stamp = time.Date(2026, 3, 14, 15, 9, 27, 0, time.UTC)

// jsonBytes is the size of the updates as the browser receives them: one
// JSON message per update, timestamp set. escapeHTML chooses the
// encoding/json default of writing <, > and & as \u003c.
func jsonBytes(t tb, ups []Update, escapeHTML bool, skip func(Update) bool) int {
	n, _ := wireBytes(t, ups, escapeHTML, skip)
	return n
}

// wireBytes is jsonBytes and the same messages each deflated on its own,
// as permessage-deflate without context takeover sends them.
func wireBytes(t tb, ups []Update, escapeHTML bool, skip func(Update) bool) (raw, deflated int) {
	for _, u := range ups {
		if skip != nil && skip(u) {
			continue
		}
		u.Timestamp = stamp
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(escapeHTML)
		require.NoError(t, enc.Encode(u))
		msg := buf.Bytes()[:buf.Len()-1] // Encode adds a newline
		raw += len(msg)
		var z bytes.Buffer
		w, err := flate.NewWriter(&z, flate.DefaultCompression)
		require.NoError(t, err)
		_, err = w.Write(msg)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		deflated += z.Len()
	}
	return raw, deflated
}

// dashboardNoCache reports the replaces of the dashboard's
// data-cache="false" panels, which every changed render re-sends.
func dashboardNoCache(u Update) bool {
	switch u.FragmentID {
	case "notifications-panel", "counter-section", "status-footer":
		return u.Action == ActionReplace
	}
	return false
}

func diffPair(t tb, old, page []byte) []Update {
	_, st := mustDiff(t, nil, old)
	ups, _ := mustDiff(t, st, page)
	return ups
}

func TestSize_CounterChangeIsOnlyTheNoCachePanels(t *testing.T) {
	old, page := dashPair(t, fixture.Template(), counterChange)
	ups := diffPair(t, old, page)
	assert.Equal(t, 0, jsonBytes(t, ups, true, dashboardNoCache), "%v", summary(ups))
	assert.LessOrEqual(t, jsonBytes(t, ups, true, dashboardNoCache), 400)
}

func TestSize_TaskInsertOnTunedDashboardIsSmall(t *testing.T) {
	old, page := dashPair(t, fixture.TunedTemplate(), taskInsertMiddle)
	ups := diffPair(t, old, page)
	assert.Equal(t, []string{"replace task-count", "insertAfter task-1001>task-25"}, withoutNoCache(summary(ups)))
	// The row goes as the page has it, indentation included (about 400
	// bytes of it): permessage-deflate makes that nearly free on the wire.
	assert.LessOrEqual(t, jsonBytes(t, ups, false, dashboardNoCache), 2048)
	requireApplies(t, old, page, ups)
}

func TestSize_StateOfTheDashboardFitsIn4KB(t *testing.T) {
	page := renderDash(t, fixture.NewDashboard(50))
	_, st := mustDiff(t, nil, page)
	b, err := cbor.Marshal(st)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(b), 4096)
	assert.Greater(t, len(st.IDs), 100, "every task row and checkbox is a fragment")
}

// BenchmarkDiff_CounterChangeVsExecute times, in the same loop, a plain
// Execute of the 50-task dashboard and the Diff of its page after a
// counter change, and reports their ratio (target: diff/execute <= 1).
func BenchmarkDiff_CounterChangeVsExecute(b *testing.B) {
	d := fixture.NewDashboard(50)
	tmpl := fixture.Template()
	old, page := dashPair(b, tmpl, counterChange)
	_, st := mustDiff(b, nil, old)
	var buf bytes.Buffer
	var exec, diff time.Duration
	for b.Loop() {
		t0 := time.Now()
		buf.Reset()
		if err := tmpl.Execute(&buf, d); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, _, err := Diff(st, page); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		exec += t1.Sub(t0)
		diff += t2.Sub(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(exec.Nanoseconds())/n, "exec-ns/op")
	b.ReportMetric(float64(diff.Nanoseconds())/n, "diff-ns/op")
	b.ReportMetric(float64(diff)/float64(exec), "diff/exec")
	b.ReportMetric(float64(len(page)), "page-B")
}

// BenchmarkDiff_Dashboard50 times Diff alone for each change.
func BenchmarkDiff_Dashboard50(b *testing.B) {
	for _, bc := range []struct {
		name   string
		tmpl   *template.Template
		change func(d *fixture.DashboardData)
	}{
		{"counter", fixture.Template(), counterChange},
		{"task-insert", fixture.Template(), taskInsertMiddle},
		{"task-insert-tuned", fixture.TunedTemplate(), taskInsertMiddle},
		{"identical", fixture.Template(), func(*fixture.DashboardData) {}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			old, page := dashPair(b, bc.tmpl, bc.change)
			_, st := mustDiff(b, nil, old)
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Diff(st, page); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSizes reports update, page and state sizes in bytes for the
// 50-task dashboard; the loop times the first render's Diff(nil, page).
func BenchmarkSizes(b *testing.B) {
	page := renderDash(b, fixture.NewDashboard(50))
	_, st := mustDiff(b, nil, page)
	stCBOR, err := cbor.Marshal(st)
	require.NoError(b, err)
	stJSON, err := json.Marshal(st)
	require.NoError(b, err)

	old, counter := dashPair(b, fixture.Template(), counterChange)
	cu := diffPair(b, old, counter)
	old, ins := dashPair(b, fixture.Template(), taskInsertMiddle)
	iu := diffPair(b, old, ins)
	oldT, insT := dashPair(b, fixture.TunedTemplate(), taskInsertMiddle)
	tu := diffPair(b, oldT, insT)

	for b.Loop() {
		if _, _, err := Diff(nil, page); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(page)), "page-B")
	b.ReportMetric(float64(len(stCBOR)), "state-cbor-B")
	b.ReportMetric(float64(len(stJSON)), "state-json-B")
	b.ReportMetric(float64(len(st.IDs)), "fragments")
	b.ReportMetric(float64(jsonBytes(b, cu, true, nil)), "counter-all-B")
	b.ReportMetric(float64(jsonBytes(b, cu, true, dashboardNoCache)), "counter-excl-nocache-B")
	b.ReportMetric(float64(jsonBytes(b, iu, true, dashboardNoCache)), "insert-design-B")
	b.ReportMetric(float64(jsonBytes(b, tu, true, dashboardNoCache)), "insert-tuned-B")
	b.ReportMetric(float64(jsonBytes(b, tu, false, dashboardNoCache)), "insert-tuned-noescape-B")
	_, z := wireBytes(b, tu, true, dashboardNoCache)
	b.ReportMetric(float64(z), "insert-tuned-deflate-B")
	_, z = wireBytes(b, iu, true, dashboardNoCache)
	b.ReportMetric(float64(z), "insert-design-deflate-B")
}
