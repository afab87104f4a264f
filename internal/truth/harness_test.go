package truth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/browsertest"
	"github.com/livefir/statetemplate/live"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// Data is the session data of every page of the suite: a body for cases
// written as page sequences, fields for cases written as templates.
type Data struct {
	Body  template.HTML
	Items []Item
	Text  string
	N     int
	On    bool
}

// Item is a row of a list.
type Item struct {
	ID   int
	Name string
	On   bool
}

func (d Data) clone() *Data {
	d.Items = slices.Clone(d.Items)
	return &d
}

// Case is a page template and the data of each step; the browser loads
// the first step's page, and every later step is pushed as updates.
type Case struct {
	Name   string
	Tmpl   string // a page template; "" renders Body in a minimal page
	Steps  []Data
	Covers []string // the constructs it covers, for the report
}

// bodyPage is the template of cases written as page sequences.
const bodyPage = `<!DOCTYPE html><html><head><title>truth</title></head><body>{{.Body}}</body></html>`

// pages is a case whose steps are the given bodies.
func pages(name string, covers []string, bodies ...string) Case {
	c := Case{Name: name, Covers: covers}
	for _, b := range bodies {
		c.Steps = append(c.Steps, Data{Body: template.HTML(b)})
	}
	return c
}

// isPages reports whether c is a page sequence: its steps differ only in
// their bodies, so it can be shrunk as markup.
func (c Case) isPages() bool {
	for _, d := range c.Steps {
		if d.Items != nil || d.Text != "" || d.N != 0 || d.On {
			return false
		}
	}
	return true
}

// bodies returns the steps' bodies of a page-sequence case.
func (c Case) bodies() []string {
	out := make([]string, len(c.Steps))
	for i, d := range c.Steps {
		out[i] = string(d.Body)
	}
	return out
}

// site serves one case through package live, plus /fresh: the page of
// the current data as RenderPage gives it, without the client.
type site struct {
	*httptest.Server
	tmpl *template.Template
	r    *statetemplate.Renderer
	app  *live.App[*Data]

	mu  sync.Mutex
	cur Data
}

func newSite(t testing.TB, c Case) (*site, error) {
	src := c.Tmpl
	if src == "" {
		src = bodyPage
	}
	tmpl, err := template.New(c.Name).Parse(src)
	if err != nil {
		return nil, err
	}
	// Malformed pages are part of the suite: their warnings are expected.
	r, err := statetemplate.New(tmpl, statetemplate.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, err
	}
	s := &site{tmpl: tmpl, r: r, cur: *c.Steps[0].clone()}
	s.app, err = live.New(r, func(*http.Request) (*Data, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cur.clone(), nil
	})
	if err != nil {
		r.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", s.app)
	mux.HandleFunc("/fresh", s.fresh)
	s.Server = httptest.NewServer(mux)
	return s, nil
}

func (s *site) fresh(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	d := s.cur.clone()
	s.mu.Unlock()
	tok, err := s.r.CreateSession(req.Context(), d)
	if err == nil {
		var page string
		if page, err = s.r.RenderPage(tok); err == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			fmt.Fprint(w, page)
			return
		}
	}
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// render is the page of d, as the renderer renders it.
func (s *site) render(d *Data) string {
	var b bytes.Buffer
	if err := s.tmpl.Execute(&b, d); err != nil {
		return "error: " + err.Error()
	}
	return b.String()
}

// set makes d the data of new page loads and of every open session.
func (s *site) set(d Data) error {
	s.mu.Lock()
	s.cur = *d.clone()
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.app.UpdateAll(ctx, func(_ context.Context, cur *Data) error {
		*cur = *d.clone()
		return nil
	})
}

func (s *site) close() {
	s.Server.CloseClientConnections()
	s.app.Close()
	s.Server.Close()
	s.r.Close()
}

// counter counts, in every page of the live tab, the error messages the
// client got: the answers to barrier.
const counter = `document.addEventListener("statetemplate:error", function () {
  window.__pongs = (window.__pongs || 0) + 1;
});`

// barrier is an action no page handles: the server answers it with an
// error message after every message it queued before, so once the page
// has the answer it has applied every update sent before it.
const barrier = "truth_barrier"

// runner runs cases in two tabs: live, where the updates are applied, and
// fresh, which loads each step's page anew.
type runner struct {
	t           testing.TB
	live, fresh *browsertest.Tab
	stats       *stats
}

func newRunner(t testing.TB, st *stats) *runner {
	b := browsertest.Start(t)
	r := &runner{t: t, live: b.NewTab(t), fresh: b.NewTab(t), stats: st}
	r.live.OnNewDocument(counter)
	return r
}

// divergence is a step after which the live page is not the fresh one.
type divergence struct {
	step       int
	why        string // what went wrong besides the DOM, if anything
	want, got  string // snapshots of the fresh and the live body
	batch      string // the update batch of the step
	exceptions []string
}

func (d *divergence) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "after step %d", d.step)
	if d.why != "" {
		b.WriteString(": " + d.why)
	}
	if d.batch != "" {
		b.WriteString("\nupdates: " + d.batch)
	}
	for _, e := range d.exceptions {
		b.WriteString("\nexception: " + e)
	}
	if d.want != d.got {
		b.WriteString("\n" + snapshotDiff(d.want, d.got))
	}
	return b.String()
}

// waitApplied bounds the wait for a batch: an update that throws never
// completes its batch.
const waitApplied = 5 * time.Second

// run runs c and returns its first divergence, or nil. A harness failure
// (the page does not load) fails the test.
func (r *runner) run(c Case) *divergence {
	s, err := newSite(r.t, c)
	require.NoError(r.t, err, c.Name)
	defer s.close()
	r.live.Navigate(s.URL + "/")
	if err := r.live.TryWaitFor(`document.documentElement.dataset.stStatus === "open"`, waitApplied); err != nil {
		return &divergence{step: 0, why: "the live page did not connect: " + err.Error()}
	}
	sent0, recv0, exc0 := len(r.live.Sent()), len(r.live.Received()), len(r.live.Exceptions())
	if d := r.compare(s, 0); d != nil {
		return d
	}
	for i := 1; i < len(c.Steps); i++ {
		if err := s.set(c.Steps[i]); err != nil {
			return &divergence{step: i, why: "UpdateAll: " + err.Error()}
		}
		r.live.Exec(fmt.Sprintf("statetemplate.send(%q).catch(() => {})", barrier))
		if err := r.live.TryWaitFor(fmt.Sprintf("window.__pongs >= %d", i), waitApplied); err != nil {
			return r.failed(i, recv0, exc0, "the updates were not applied: "+err.Error())
		}
		if !r.stats.mute {
			r.stats.steps++
		}
		for _, f := range r.live.Sent()[sent0:] {
			if bytes.Contains(f, []byte(`"_resync"`)) {
				return r.failed(i, recv0, exc0, "the client could not apply an update and asked for a resync")
			}
		}
		if len(r.live.Exceptions()) > exc0 {
			return r.failed(i, recv0, exc0, "the page threw")
		}
		if d := r.compare(s, i); d != nil {
			d.batch = lastBatch(r.live.Received()[recv0:])
			return d
		}
	}
	r.stats.count(c, r.live.Received()[recv0:])
	return nil
}

func (r *runner) failed(step, recv0, exc0 int, why string) *divergence {
	return &divergence{step: step, why: why, batch: lastBatch(r.live.Received()[recv0:]), exceptions: r.live.Exceptions()[exc0:]}
}

// compare compares the live body with a fresh load of step's page.
func (r *runner) compare(s *site, step int) *divergence {
	got := r.live.Snapshot("body")
	r.fresh.Navigate(s.URL + "/fresh")
	want := r.fresh.Snapshot("body")
	if got == want {
		return nil
	}
	return &divergence{step: step, want: want, got: got, why: "the live page differs from a fresh load"}
}

// lastBatch is the last update batch among frames, for the report.
func lastBatch(frames [][]byte) string {
	batches := browsertest.Batches(frames)
	for i := len(batches) - 1; i >= 0; i-- {
		if len(batches[i].Updates) > 0 {
			b, _ := json.Marshal(batches[i].Updates)
			return string(b)
		}
	}
	return ""
}

// snapshotDiff shows the lines where two snapshots differ, with context.
func snapshotDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	j := 0
	for j < len(w)-i && j < len(g)-i && w[len(w)-1-j] == g[len(g)-1-j] {
		j++
	}
	from := max(i-3, 0)
	var b strings.Builder
	for _, l := range w[from:i] {
		b.WriteString("  " + l + "\n")
	}
	for _, l := range w[i : len(w)-j] {
		b.WriteString("- " + l + "   (fresh load)\n")
	}
	for _, l := range g[i : len(g)-j] {
		b.WriteString("+ " + l + "   (live)\n")
	}
	for _, l := range w[len(w)-j : min(len(w)-j+3, len(w))] {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// stats counts what the suite applied, for its closing report.
type stats struct {
	mute    bool // while shrinking
	mu      sync.Mutex
	cases   int
	steps   int
	batches int
	updates int
	actions map[string]int
	covers  map[string]bool
	// splices and refs count the records of the wire's short forms: a text
	// or an element's html by what changed in it, an element by its
	// number.
	splices, refs int
}

func newStats() *stats {
	return &stats{actions: map[string]int{}, covers: map[string]bool{}}
}

func (s *stats) count(c Case, frames [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mute {
		return
	}
	s.cases++
	for _, k := range c.Covers {
		s.covers[k] = true
	}
	for _, f := range frames {
		if len(f) == 0 || f[0] == '{' {
			continue
		}
		r, n := utf8.DecodeRune(f)
		for _, rec := range strings.Split(string(f[n:]), string(r)) {
			switch {
			case rec == "":
			case rec[0] == 'p' || rec[0] == 'P' || rec[0] == 'q' || rec[0] == 'Q':
				s.splices++
			}
			if rec != "" && rec[0] >= 'A' && rec[0] <= 'Z' {
				s.refs++
			}
		}
	}
	for _, batch := range browsertest.Batches(frames) {
		if len(batch.Updates) == 0 {
			continue
		}
		s.batches++
		for _, u := range batch.Updates {
			s.updates++
			if u.FragmentID == "" && u.Action == "replace" {
				u.Action = "replace body"
			}
			s.actions[u.Action]++
		}
	}
}

func (s *stats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.covers))
	for k := range s.covers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return fmt.Sprintf("%d cases, %d steps, %d batches, %d updates %v (sent as %d splices, %d by reference); constructs: %s",
		s.cases, s.steps, s.batches, s.updates, s.actions, s.splices, s.refs, strings.Join(keys, ", "))
}
