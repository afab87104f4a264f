package live

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/livefir/statetemplate"
)

// rowsPage is a page of n rows like the dashboard's tasks.
func rowsPage(n int) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><title>Tasks</title></head><body>\n  <h2 id=\"tasks-title\">Tasks (50 total)</h2>\n  <div id=\"task-list\" class=\"item-list\">")
	for i := 1; i <= n; i++ {
		b.WriteString(taskRow(i, fmt.Sprintf("Task number %d", i)))
	}
	b.WriteString("\n  </div>\n  <span id=\"last-update\">9:27:07 AM</span>\n</body></html>")
	return b.String()
}

func taskRow(i int, title string) string {
	return fmt.Sprintf(`
    <div id="task-%d" class="item " data-priority="medium" data-created="%d">
      <div style="display: flex; justify-content: space-between; align-items: center;">
        <div style="flex: 1;">
          <input type="checkbox" id="task-check-%d"  data-action="toggle_task" data-task-id="%d" />
          <label for="task-check-%d" style="margin-left: 10px;">%s</label>
        </div>
        <div>
          <span style="background: #fa4; color: white; padding: 2px 6px; border-radius: 3px; font-size: 0.8em;">MED</span>
          <button id="task-delete-%d" data-action="delete_task" data-task-id="%d" style="margin-left: 5px;">Delete</button>
        </div>
      </div>
    </div>`, i, 1700000000+i*37, i, i, i, title, i, i)
}

// BenchmarkGet_ColdInsert is what a cold insert costs the server on a
// connection that holds a page of 50 rows: the page parsed and indexed
// (once per connection, at its first use of a base), and the insert built
// from its neighbour (the row's html normalized, and its hunks).
//
//	go test -run '^$' -bench Get_ -benchmem ./live
func BenchmarkGet_ColdInsert(b *testing.B) {
	page := rowsPage(50)
	ins := []statetemplate.Update{{Action: statetemplate.ActionInsertAfter, FragmentID: "task-51", TargetID: "task-50", HTML: taskRow(51, "Review the quarterly figures")}}
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			p := newPageBases(page, nil)
			p.load()
		}
	})
	b.Run("insert", func(b *testing.B) {
		for b.Loop() {
			w := newWireState(false)
			w.page(page, nil)
			w.bases.load()
			msg, err := w.encode(ins, 0)
			if err != nil || !strings.Contains(string(msg), "\x1egtask-50") {
				b.Fatalf("%q %v", msg, err)
			}
		}
	})
	// What a connection keeps of the page: the page as served until a
	// base is first wanted, then its serialization and index.
	b.Run("kept", func(b *testing.B) {
		for b.Loop() {
			keep := make([]*pageBases, 100)
			var before, served, parsed runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := range keep {
				keep[i] = newPageBases(strings.Clone(page), nil)
			}
			runtime.GC()
			runtime.ReadMemStats(&served)
			for _, p := range keep {
				p.load()
			}
			runtime.GC()
			runtime.ReadMemStats(&parsed)
			b.ReportMetric(float64(served.HeapAlloc-before.HeapAlloc)/float64(len(keep)), "B-served/conn")
			b.ReportMetric(float64(parsed.HeapAlloc-before.HeapAlloc)/float64(len(keep)), "B-parsed/conn")
			b.ReportMetric(float64(len(page)), "B-page")
			runtime.KeepAlive(keep)
		}
	})
}
