package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/live"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

func TestParseFlags_TickerRunsPublishPhasesInLiveMode(t *testing.T) {
	c, err := parseFlags([]string{"-app", "ticker", "-publish", "5, 1", "-sessions", "100", "-conns", "100"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []float64{5, 1}, c.publish)
	assert.Equal(t, []string{modeLive}, c.modes, "the dashboard's baselines do not apply")
	assert.Equal(t, []planned{{"memory", modeLive}}, c.plan())
	assert.Equal(t, 3, c.watch)
	assert.Equal(t, 1, c.servers)
}

func TestParseFlags_RefusesPushFlagsThatCannotWork(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown app", []string{"-app", "chat"}},
		{"servers with the dashboard", []string{"-servers", "2", "-store", "redis"}},
		{"actions rate with the ticker", []string{"-app", "ticker", "-rate", "100"}},
		{"baseline mode with the ticker", []string{"-app", "ticker", "-modes", "live,fullpage"}},
		{"no publish rate", []string{"-app", "ticker", "-publish", ","}},
		{"publish rate zero", []string{"-app", "ticker", "-publish", "0"}},
		{"publish rate too high", []string{"-app", "ticker", "-publish", "1001"}},
		{"publish rate not a number", []string{"-app", "ticker", "-publish", "often"}},
		{"watchlist too long", []string{"-app", "ticker", "-watch", "11"}},
		{"three servers", []string{"-app", "ticker", "-servers", "3", "-store", "redis"}},
		{"two servers without Redis", []string{"-app", "ticker", "-servers", "2"}},
		{"two servers in one process", []string{"-app", "ticker", "-servers", "2", "-store", "redis", "-server", "inproc"}},
		{"ticker against a URL", []string{"-app", "ticker", "-url", "http://127.0.0.1:8080/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, io.Discard)
			require.Error(t, err)
			assert.ErrorIs(t, err, errUsage)
		})
	}
}

func TestTickSeq_FindsTheTickInAPushFrame(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
	}{
		{"a text update", "\x1ettick\x1f#42 · 15:04:05", 42},
		{"a replace", "\x1ertick\x1f<span id=\"tick\">#42 · 15:04:05</span>", 42},
		{"among other updates", "\x1etp-AAPL\x1f1.00\x1erheader\x1f<header><span id=\"tick\">#7 · 1</span></header>", 7},
		{"an acknowledgment", `{"ack":1}`, 0},
		{"no number", "\x1ettick\x1f#x", 0},
		{"a hash too far", "\x1erh\x1f<span id=\"tick\" class=\"a-long-class\">#3</span>", 0},
		{"a number too long", "\x1ettick\x1f#9999999999999999999999", 0},
		{"not a batch", `<span id="tick">#5</span>`, 0},
		{"empty", ``, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tickSeq(new(live.Decoder), []byte(tc.in)))
		})
	}
}

// The frames one tab read in a run (live/testdata/ticker-frames.txt: three
// watch answers, then ticks 1 to 80, most of them splices of the tick's
// text), read through one decoder as a tab's reader reads them, show every
// tick in order.
func TestTickSeq_FollowsATabsRecordedFrames(t *testing.T) {
	f, err := os.Open("../../live/testdata/ticker-frames.txt")
	require.NoError(t, err)
	defer f.Close()
	var d live.Decoder
	var seqs []int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		msg, err := strconv.Unquote(sc.Text())
		require.NoError(t, err)
		if seq := tickSeq(&d, []byte(msg)); seq > 0 {
			seqs = append(seqs, seq)
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, seqs)
	for i, seq := range seqs {
		require.Equal(t, int64(i+1), seq, "tick %d of %v", i, seqs)
	}
	assert.Len(t, seqs, 80)
}

func TestShare_SplitsEveryUnit(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000, 1001} {
		assert.Equal(t, n, share(n, 0, 2)+share(n, 1, 2), "n=%d", n)
		assert.LessOrEqual(t, share(n, 1, 2), share(n, 0, 2))
	}
}

func TestSmoke_TickerPushesEveryTickToEveryTab(t *testing.T) {
	text, rep := runTool(t, "-app", "ticker", "-server", "inproc", "-store", "memory", "-sessions", "12", "-conns", "10",
		"-publish", "10", "-duration", "1s", "-warmup", "0", "-watch", "2")
	require.Len(t, rep.Pushes, 1)
	r := rep.Pushes[0]
	assert.Contains(t, text, "memory/ticker×1@10/s")
	assert.Equal(t, 12, r.Sessions)
	assert.Equal(t, 10, r.Tabs)
	assert.Positive(t, r.Publishes)
	assert.Equal(t, r.Frames, r.Received, "every frame written is read")
	// A tab skips a tick only when the server coalesced it (a slow machine,
	// -race): the counts agree either way.
	require.Len(t, r.PerServer, 1)
	assert.Equal(t, r.Publishes*int64(r.Tabs), r.Frames+r.SkippedTicks, "one frame per tab per publish, or a skipped tick")
	assert.Equal(t, r.PerServer[0].Coalesced+r.PerServer[0].Dropped, r.SkippedTicks)
	assert.Zero(t, int64(r.StaleTabs)+r.OutOfOrder+r.LostTabs, "every tab ends on the last tick, in order")
	assert.Zero(t, r.Undecodable, "every frame decodes")
	assert.Positive(t, r.PerServer[0].Latency.P99)
	assert.GreaterOrEqual(t, r.PerServer[0].Client.P50, r.PerServer[0].Latency.P50/2, "a tab reads a frame after it is written, give or take the clocks' reads")
	assert.Positive(t, r.CPUPerTabPublish)
	assert.Positive(t, r.ClientCores, "the load generator's own CPU is reported apart from the server's")
	assert.Contains(t, text, "load generator CPU/frame")
	if runtime.GOOS == "linux" {
		assert.Equal(t, int64(10), tabsTakenOver.Load(), "every tab read off its socket")
	}
}

func TestSmoke_TwoServersShareTicksThroughRedis(t *testing.T) {
	addr := redistest.Own(t)
	_, rep := runTool(t, "-app", "ticker", "-servers", "2", "-store", "redis", "-redis", addr, "-sessions", "8", "-conns", "8",
		"-publish", "10", "-duration", "1s", "-warmup", "0")
	require.Len(t, rep.Pushes, 1)
	r := rep.Pushes[0]
	require.Len(t, r.PerServer, 2)
	var skipped int64
	for i, s := range r.PerServer {
		assert.Equal(t, 4, s.Tabs)
		assert.Positive(t, s.Latency.Count, "server %c wrote ticks to its tabs", 'A'+i)
		skipped += s.Coalesced + s.Dropped
	}
	assert.Equal(t, r.Publishes*8, r.Frames+r.SkippedTicks)
	assert.Equal(t, skipped, r.SkippedTicks)
	assert.Zero(t, r.StaleTabs, "every tab, on either server, ends on the last tick")
	assert.True(t, strings.HasPrefix(r.Launch, "child"))
}

// A frame a tab cannot decode (its decoder no longer follows the
// server's: a frame lost, or a decoder bug) is counted as such, not taken
// for an answer without a tick: else it shows only as a tick the server
// skipped.
func TestShow_CountsAFrameThatDoesNotDecode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr := &pushRun{ctx: ctx, cancel: cancel}
	tb := &tab{}
	pr.tabs = []*tab{tb}
	ph := newPushPhase(1, 10, 1, 1)
	pr.phase.Store(ph)

	pr.show(tb, []byte("\x1ettick\x1f#1 · 1"), time.Now())
	pr.show(tb, []byte("\x1eP5\x1f1\x1f1\x1f2"), time.Now()) // no id numbered 5
	pr.show(tb, []byte("\x1eka"), time.Now())                // a malformed ack
	pr.show(tb, []byte("\x1ek3"), time.Now())                // an answer: no tick, decodes

	assert.Equal(t, int64(1), ph.frames.Load())
	assert.Equal(t, int64(2), ph.undecodable.Load())
}
