package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleReport() *Report {
	return &Report{
		Started: time.Date(2026, 11, 25, 19, 50, 0, 0, time.UTC), Machine: "2 CPUs", LoadBefore: "1.00 0.50 0.25", LoadAfter: "1.50 0.75 0.30",
		Runs: []RunReport{
			{
				Store: "bolt", Mode: modeFragments, Launch: "child", Sessions: 1000, Conns: 100, Rate: 500,
				Create: LatencySummary{P50: 250 * time.Microsecond, P99: 2 * time.Millisecond},
				RTT:    LatencySummary{P50: 400 * time.Microsecond, P99: 3 * time.Millisecond, P999: 9 * time.Millisecond},
				Sent:   5000, Completed: 5000, AchievedRate: 500, UpdateBytes: 5000 * 1024, PageBytes: 17000,
				PerAction: []ActionStats{{Action: actIncrement, Count: 2500, MeanBytes: 800}, {Action: actAddTask, Count: 2500, MeanBytes: 1248}},
				Server:    &ServerFigures{HeapPerSession: 6 * 1024, RSSPerSession: 9 * 1024, HeapPerConn: 20 * 1024, CPU: time.Second, CPUPerUpdate: 200 * time.Microsecond},
				LoadAvg:   "1.20 0.60 0.30",
			},
			{
				Store: "bolt", Mode: modeFullPage, Launch: "child", Sessions: 1000, Conns: 100, Rate: 500,
				Sent: 5000, Completed: 5000, AchievedRate: 500, UpdateBytes: 5000 * 20 * 1024, PageBytes: 17000,
				PerAction: []ActionStats{{Action: actIncrement, Count: 5000, MeanBytes: 20480}},
				Server:    &ServerFigures{CPU: 500 * time.Millisecond, CPUPerUpdate: 100 * time.Microsecond},
			},
			{
				Store: "remote", Mode: modeFragments, Launch: "url", Sessions: 10, Conns: 2, Rate: 10,
			},
		},
	}
}

func TestReport_TextHasOneRowPerRunWithItsFigures(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&b))
	out := b.String()
	lines := strings.Split(out, "\n")

	row := findLine(t, lines, "bolt/fragments")
	for _, want := range []string{"1000", "250µs", "2ms", "400µs", "3ms", "9ms", "1.0 KB", "200µs", "6.0 KB", "9.0 KB", "20.0 KB", "1.20 0.60 0.30"} {
		assert.Contains(t, row, want)
	}
	assert.Contains(t, findLine(t, lines, "remote/fragments"), "n/a", "a server the tool did not start has no server figures")
	assert.Contains(t, out, "loadavg before: 1.00 0.50 0.25   after: 1.50 0.75 0.30")
}

func TestReport_ComparesFragmentsWithTheBaselineOfTheSameStore(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&b))
	assert.Contains(t, b.String(), "bolt/fragments@500: bytes/update 1.0 KB vs 20.0 KB (0.050×); server CPU/update 200µs vs 100µs (2.000×)")
	assert.NotContains(t, b.String(), "remote/fragments@10: bytes", "a store without a baseline run is not compared")
}

func TestReport_BytesByActionTableHasAColumnPerAction(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&b))
	lines := strings.Split(b.String(), "\n")
	header := findLine(t, lines, "store/mode   page")
	assert.Regexp(t, `page\s+increment_counter\s+add_task`, header)
	var byAction []string
	for i, l := range lines {
		if l == header {
			byAction = lines[i+1 : i+4]
		}
	}
	require.Len(t, byAction, 3)
	assert.Regexp(t, `bolt/fragments@500\s+17000\s+800\s+1248`, byAction[0])
	assert.Regexp(t, `bolt/fullpage@500\s+17000\s+20480\s+-`, byAction[1], "an action a run did not answer shows as -")
}

func TestReport_JSONRoundTrips(t *testing.T) {
	var b bytes.Buffer
	rep := sampleReport()
	require.NoError(t, rep.WriteJSON(&b))
	var back Report
	require.NoError(t, json.Unmarshal(b.Bytes(), &back))
	assert.Equal(t, rep.Runs[0].RTT, back.Runs[0].RTT)
	assert.Equal(t, rep.Runs[0].Server, back.Runs[0].Server)
	assert.Nil(t, back.Runs[2].Server)
}

func TestReport_MarkdownHasARowPerRunAndTheComparison(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteMarkdown(&b))
	lines := strings.Split(b.String(), "\n")
	row := findLine(t, lines, "| bolt/fragments@500 |")
	assert.Equal(t, 15, strings.Count(row, "|"), "14 columns")
	for _, want := range []string{"| 1000 | 100 |", "250µs / 2ms", "400µs / 3ms / 9ms", "| 1.0 KB | 200µs | 6.0 KB | 9.0 KB | 20.0 KB |"} {
		assert.Contains(t, row, want)
	}
	assert.Contains(t, findLine(t, lines, "| remote/fragments@10 |"), "| n/a |")
	assert.Contains(t, findLine(t, lines, "| store/mode@rate | page |"), "increment_counter | add_task |")
	assert.Contains(t, b.String(), "| bolt/fragments@500 | 17000 | 800 | 1248 |")
	assert.Contains(t, b.String(), "- bolt/fragments@500: bytes/update 1.0 KB vs 20.0 KB (0.050×)")
}

func TestMeanUpdateBytes(t *testing.T) {
	assert.Equal(t, 0.0, (&RunReport{}).MeanUpdateBytes(), "no answers, no division by zero")
	assert.Equal(t, 250.0, (&RunReport{Completed: 4, UpdateBytes: 1000}).MeanUpdateBytes())
}

func TestFmtDur(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{-time.Second, "0"},
		{800 * time.Nanosecond, "800ns"},
		{1500 * time.Nanosecond, "1.5µs"},
		{123456 * time.Nanosecond, "123µs"},
		{9876 * time.Microsecond, "9.88ms"},
		{999600 * time.Nanosecond, "1ms"},
		{999600 * time.Microsecond, "1s"},
		{2500 * time.Millisecond, "2.5s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, fmtDur(tt.d), "%d ns", int64(tt.d))
	}
}

func TestFmtBytes(t *testing.T) {
	tests := []struct {
		n    float64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1536, "1.5 KB"},
		{3 * 1024 * 1024, "3.0 MB"},
		{-2048, "-2.0 KB"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, fmtBytes(tt.n))
	}
}

func findLine(t *testing.T, lines []string, substr string) string {
	t.Helper()
	for _, l := range lines {
		if strings.Contains(l, substr) {
			return l
		}
	}
	require.Failf(t, "line not found", "no line contains %q", substr)
	return ""
}
