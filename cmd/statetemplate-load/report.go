package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything one invocation measured.
type Report struct {
	Started    time.Time   `json:"started"`
	Machine    string      `json:"machine"`
	Command    string      `json:"command"`
	LoadBefore string      `json:"loadavg_before"`
	LoadAfter  string      `json:"loadavg_after"`
	Runs       []RunReport `json:"runs"`
	// Pushes are the phases of -app ticker runs.
	Pushes []PushRunReport `json:"pushes,omitempty"`
}

// RunReport is one store in one mode.
type RunReport struct {
	Store    string        `json:"store"`
	Mode     string        `json:"mode"`
	Launch   string        `json:"launch"` // child, inproc or url
	Sessions int           `json:"sessions"`
	Conns    int           `json:"conns"`
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	LoadAvg  string        `json:"loadavg"` // at the end of the measured phase

	Create       LatencySummary  `json:"create"` // HTTP GET that creates a session
	CreateErrors int64           `json:"create_errors"`
	ServerCreate *LatencySummary `json:"server_create,omitempty"` // inside the server; see ServerCreateWhat
	// ServerCreateWhat says what ServerCreate timed.
	ServerCreateWhat string `json:"server_create_what,omitempty"`
	PageBytes        int    `json:"page_bytes"`
	DialErrors       int64  `json:"dial_errors"`

	Sent         int64 `json:"sent"`
	Completed    int64 `json:"completed"`
	Missed       int64 `json:"missed"`        // due but no idle connection, or skipped after a stall
	ActionErrors int64 `json:"action_errors"` // error answers, failed writes, lost connections, timeouts
	Unsolicited  int64 `json:"unsolicited"`   // messages with no action in flight (late answers included)
	// Unanswered actions were still in flight when the phase ended; they
	// are in RTT at their age then, a lower bound.
	Unanswered int64 `json:"unanswered"`
	// ErrorCodes counts the error answers by their code (package live's
	// "rate_limited", "internal", ...).
	ErrorCodes   map[string]int64 `json:"error_codes,omitempty"`
	AchievedRate float64          `json:"achieved_rate"`
	RTT          LatencySummary   `json:"rtt"`
	// ServerHandle is the time from reading an action to having written
	// its answer, inside the server.
	ServerHandle *LatencySummary `json:"server_handle,omitempty"`
	UpdateBytes  int64           `json:"update_bytes"` // payload bytes of all answers
	// ClientCPUPerAction is this process's CPU per answered action: the
	// load generator's cost (and the server's too with -server inproc).
	ClientCPUPerAction time.Duration `json:"client_cpu_per_action_ns"`
	PerAction          []ActionStats `json:"per_action"`

	Server *ServerFigures `json:"server_figures,omitempty"` // nil against -url
}

// ActionStats describes the answers to one kind of action.
type ActionStats struct {
	Action    string        `json:"action"`
	Count     int64         `json:"count"`
	Bytes     int64         `json:"bytes"`
	MeanBytes float64       `json:"mean_bytes"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
}

// ServerFigures are the server's own resource figures.
type ServerFigures struct {
	HeapPerSession float64       `json:"heap_per_session"` // live heap after GC, idle sessions
	RSSPerSession  float64       `json:"rss_per_session"`
	HeapPerConn    float64       `json:"heap_per_conn"` // extra per open WebSocket
	RSSPerConn     float64       `json:"rss_per_conn"`
	CPU            time.Duration `json:"cpu_ns"` // user+system in the measured phase
	CPUPerUpdate   time.Duration `json:"cpu_per_update_ns"`
	HeapAfter      uint64        `json:"heap_after"`
	RSSAfter       uint64        `json:"rss_after"`
}

// MeanUpdateBytes is the mean answer size over all actions.
func (r *RunReport) MeanUpdateBytes() float64 {
	if r.Completed == 0 {
		return 0
	}
	return float64(r.UpdateBytes) / float64(r.Completed)
}

func (r *RunReport) name() string { return fmt.Sprintf("%s/%s@%g", r.Store, r.Mode, r.Rate) }

// WriteText writes the report for people.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "statetemplate-load  %s\n", rep.Started.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "machine: %s   loadavg before: %s   after: %s\n", rep.Machine, rep.LoadBefore, rep.LoadAfter)
	if rep.Command != "" {
		fmt.Fprintf(&b, "command: %s\n", rep.Command)
	}
	b.WriteString("\n")
	if len(rep.Pushes) > 0 {
		rep.writePushText(&b)
	}
	if len(rep.Runs) == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "store/mode\tsessions\tconns\tcreate p50\tp99\tactions/s\trtt p50\tp99\tp999\tbytes/update\tcpu/update\theap/session\trss/session\theap/conn\tloadavg\t")
	for i := range rep.Runs {
		r := &rep.Runs[i]
		sf := r.Server
		cpu, heapS, rssS, heapC := "n/a", "n/a", "n/a", "n/a"
		if sf != nil {
			cpu = fmtDur(sf.CPUPerUpdate)
			heapS, rssS, heapC = fmtBytes(sf.HeapPerSession), fmtBytes(sf.RSSPerSession), fmtBytes(sf.HeapPerConn)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			r.name(), r.Sessions, r.Conns, fmtDur(r.Create.P50), fmtDur(r.Create.P99), r.AchievedRate,
			fmtDur(r.RTT.P50), fmtDur(r.RTT.P99), fmtDur(r.RTT.P999), fmtBytes(r.MeanUpdateBytes()),
			cpu, heapS, rssS, heapC, r.LoadAvg)
	}
	tw.Flush()

	b.WriteString("\nbytes per answer, by action (mean):\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	actions := rep.actionNames()
	fmt.Fprintf(tw, "store/mode\tpage\t%s\t\n", strings.Join(actions, "\t"))
	for i := range rep.Runs {
		r := &rep.Runs[i]
		row := []string{r.name(), fmt.Sprint(r.PageBytes)}
		for _, a := range actions {
			cell := "-"
			for _, s := range r.PerAction {
				if s.Action == a && s.Count > 0 {
					cell = fmt.Sprintf("%.0f", s.MeanBytes)
				}
			}
			row = append(row, cell)
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(row, "\t"))
	}
	tw.Flush()

	b.WriteString("\ndetails:\n")
	for i := range rep.Runs {
		r := &rep.Runs[i]
		fmt.Fprintf(&b, "  %s (%s server): %d sent, %d answered, %d missed, %d unanswered, %d action errors, %d unsolicited, %d create errors, %d dial errors; rtt max %s",
			r.name(), r.Launch, r.Sent, r.Completed, r.Missed, r.Unanswered, r.ActionErrors, r.Unsolicited, r.CreateErrors, r.DialErrors, fmtDur(r.RTT.Max))
		if len(r.ErrorCodes) > 0 {
			codes := slices.Sorted(maps.Keys(r.ErrorCodes))
			for i, c := range codes {
				codes[i] = fmt.Sprintf("%s %d", c, r.ErrorCodes[c])
			}
			fmt.Fprintf(&b, " (error answers: %s)", strings.Join(codes, ", "))
		}
		if r.ServerCreate != nil {
			fmt.Fprintf(&b, "; server %s p50 %s p99 %s", r.ServerCreateWhat, fmtDur(r.ServerCreate.P50), fmtDur(r.ServerCreate.P99))
		}
		if r.ServerHandle != nil {
			fmt.Fprintf(&b, "; server handling p50 %s p99 %s", fmtDur(r.ServerHandle.P50), fmtDur(r.ServerHandle.P99))
		}
		if r.Server != nil && r.Sent > 0 {
			fmt.Fprintf(&b, "; server CPU %s, heap %s, RSS %s", fmtDur(r.Server.CPU), fmtBytes(float64(r.Server.HeapAfter)), fmtBytes(float64(r.Server.RSSAfter)))
		}
		if r.ClientCPUPerAction > 0 {
			fmt.Fprintf(&b, "; load generator CPU/action %s", fmtDur(r.ClientCPUPerAction))
		}
		b.WriteString("\n")
	}

	if cmp := rep.comparisons(); len(cmp) > 0 {
		b.WriteString("\nagainst the full-page baseline (same store, same actions):\n")
		for _, c := range cmp {
			b.WriteString("  " + c + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// comparisons pairs each run with the baseline run of its store.
func (rep *Report) comparisons() []string {
	var out []string
	for i := range rep.Runs {
		f := &rep.Runs[i]
		if f.Mode == modeFullPage {
			continue
		}
		for j := range rep.Runs {
			p := &rep.Runs[j]
			if p.Mode != modeFullPage || p.Store != f.Store || p.Rate != f.Rate {
				continue
			}
			line := fmt.Sprintf("%s: bytes/update %s vs %s (%s)", f.name(),
				fmtBytes(f.MeanUpdateBytes()), fmtBytes(p.MeanUpdateBytes()), ratio(f.MeanUpdateBytes(), p.MeanUpdateBytes()))
			if f.Server != nil && p.Server != nil {
				line += fmt.Sprintf("; server CPU/update %s vs %s (%s)", fmtDur(f.Server.CPUPerUpdate), fmtDur(p.Server.CPUPerUpdate),
					ratio(float64(f.Server.CPUPerUpdate), float64(p.Server.CPUPerUpdate)))
			}
			out = append(out, line)
		}
	}
	return out
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f×", a/b)
}

func (rep *Report) actionNames() []string {
	var names []string
	for _, r := range rep.Runs {
		for _, s := range r.PerAction {
			if !slices.Contains(names, s.Action) {
				names = append(names, s.Action)
			}
		}
	}
	return names
}

// WriteJSON writes the report as indented JSON.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// fmtDur formats a latency with three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d)
	case d < 999500*time.Nanosecond: // rounds below 1000µs
		return fmt.Sprintf("%.3gµs", float64(d)/float64(time.Microsecond))
	case d < 999500*time.Microsecond:
		return fmt.Sprintf("%.3gms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3gs", d.Seconds())
	}
}

// fmtBytes formats a byte count in B, KB or MB (powers of 1024).
func fmtBytes(n float64) string {
	switch {
	case n < 0:
		return "-" + fmtBytes(-n)
	case n < 1024:
		return fmt.Sprintf("%.0f B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", n/1024)
	default:
		return fmt.Sprintf("%.1f MB", n/(1024*1024))
	}
}

// WriteMarkdown writes the report's tables as Markdown, for BENCHMARKS.md.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s. Load average before %s, after %s. %s UTC.\n\n", rep.Machine, rep.LoadBefore, rep.LoadAfter, rep.Started.UTC().Format("2006-01-02 15:04"))
	if rep.Command != "" {
		fmt.Fprintf(&b, "```sh\n%s\n```\n\n", rep.Command)
	}
	if len(rep.Pushes) > 0 {
		rep.writePushMarkdown(&b)
	}
	if len(rep.Runs) == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| store/mode@rate | sessions | conns | create p50 / p99 | server create p50 / p99 | actions/s | rtt p50 / p99 / p999 | bytes/update | server CPU/update | heap/session | RSS/session | heap/conn | unanswered | loadavg |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for i := range rep.Runs {
		r := &rep.Runs[i]
		screate, cpu, heapS, rssS, heapC := "n/a", "n/a", "n/a", "n/a", "n/a"
		if r.ServerCreate != nil {
			screate = fmtDur(r.ServerCreate.P50) + " / " + fmtDur(r.ServerCreate.P99)
		}
		if sf := r.Server; sf != nil {
			cpu = fmtDur(sf.CPUPerUpdate)
			heapS, rssS, heapC = fmtBytes(sf.HeapPerSession), fmtBytes(sf.RSSPerSession), fmtBytes(sf.HeapPerConn)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s / %s | %s | %.0f | %s / %s / %s | %s | %s | %s | %s | %s | %d | %s |\n",
			r.name(), r.Sessions, r.Conns, fmtDur(r.Create.P50), fmtDur(r.Create.P99), screate, r.AchievedRate,
			fmtDur(r.RTT.P50), fmtDur(r.RTT.P99), fmtDur(r.RTT.P999), fmtBytes(r.MeanUpdateBytes()), cpu, heapS, rssS, heapC,
			r.Unanswered, r.LoadAvg)
	}
	actions := rep.actionNames()
	b.WriteString("\nMean bytes per answer, by action:\n\n| store/mode@rate | page |")
	for _, a := range actions {
		b.WriteString(" " + a + " |")
	}
	b.WriteString("\n|---|---:|" + strings.Repeat("---:|", len(actions)) + "\n")
	for i := range rep.Runs {
		r := &rep.Runs[i]
		fmt.Fprintf(&b, "| %s | %d |", r.name(), r.PageBytes)
		for _, a := range actions {
			cell := "-"
			for _, s := range r.PerAction {
				if s.Action == a && s.Count > 0 {
					cell = fmt.Sprintf("%.0f", s.MeanBytes)
				}
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	if cmp := rep.comparisons(); len(cmp) > 0 {
		b.WriteString("\nAgainst the full-page baseline (same store, same actions, same rate):\n\n")
		for _, c := range cmp {
			b.WriteString("- " + c + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
