package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

func (r *PushRunReport) name() string {
	return fmt.Sprintf("%s/ticker×%d@%g/s", r.Store, r.Servers, r.Rate)
}

// latencies formats the servers' push latencies: "p50 / p99 / p999" of
// each, the publishing server's first.
func (r *PushRunReport) latencies(client bool) string {
	var parts []string
	for i, s := range r.PerServer {
		l := s.Latency
		if client {
			l = s.Client
		}
		cell := fmt.Sprintf("%s / %s / %s", fmtDur(l.P50), fmtDur(l.P99), fmtDur(l.P999))
		if len(r.PerServer) > 1 {
			cell = fmt.Sprintf("%c: %s", 'A'+i, cell)
		}
		parts = append(parts, cell)
	}
	return strings.Join(parts, "; ")
}

// writePushText writes the push runs' table and details.
func (rep *Report) writePushText(b *strings.Builder) {
	b.WriteString("pushes (-app ticker): latency from Publish to each push frame written, per server (A publishes):\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "store/app@rate\ttabs\twatch\tpublishes\tframes\tpush p50 / p99 / p999\tskipped ticks\ttabs skipped\tstale\tcpu/tab/publish\tcores\tbytes/frame\tloadavg\t")
	for i := range rep.Pushes {
		r := &rep.Pushes[i]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%s\t%.2f\t%s\t%s\t\n", r.name(), r.Tabs, r.Watch, r.Publishes, r.Frames,
			r.latencies(false), r.SkippedTicks, r.TabsSkipped, r.StaleTabs, fmtDur(r.CPUPerTabPublish), r.Cores, fmtBytes(r.BytesPerFrame), r.LoadAvg)
	}
	tw.Flush()
	b.WriteString("\npush details:\n")
	for i := range rep.Pushes {
		r := &rep.Pushes[i]
		fmt.Fprintf(b, "  %s (%s servers): %d sessions, %d create errors, %d dial errors; %d publishes (%d missed), %d frames written, %d read; %d out of order, %d that do not decode, %d tabs lost; publish to frame read by the tab %s; load generator CPU/frame %s (%.2f cores)\n",
			r.name(), r.Launch, r.Sessions, r.CreateErrors, r.DialErrors, r.Publishes, r.MissedPublishes, r.Frames, r.Received,
			r.OutOfOrder, r.Undecodable, r.LostTabs, r.latencies(true), fmtDur(r.ClientCPUPerFrame), r.ClientCores)
		for j, s := range r.PerServer {
			fmt.Fprintf(b, "    server %c: %d tabs, push max %s, CPU %s, %d coalesced, %d dropped, %d not sent to the broker\n",
				'A'+j, s.Tabs, fmtDur(s.Latency.Max), fmtDur(s.CPU), s.Coalesced, s.Dropped, s.BrokerDropped)
		}
	}
}

// writePushMarkdown writes the push runs' table as Markdown.
func (rep *Report) writePushMarkdown(b *strings.Builder) {
	b.WriteString("| store/app@rate | tabs | watch | publishes | frames | push p50 / p99 / p999 (server) | publish → tab p50 / p99 / p999 (client) | skipped ticks | tabs skipped | stale | server CPU / tab / publish | cores | bytes/frame | loadavg |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for i := range rep.Pushes {
		r := &rep.Pushes[i]
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %s | %s | %d | %d | %d | %s | %.2f | %s | %s |\n", r.name(), r.Tabs, r.Watch, r.Publishes,
			r.Frames, r.latencies(false), r.latencies(true), r.SkippedTicks, r.TabsSkipped, r.StaleTabs, fmtDur(r.CPUPerTabPublish),
			r.Cores, fmtBytes(r.BytesPerFrame), r.LoadAvg)
	}
}
