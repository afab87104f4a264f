package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runTool runs the tool with args plus a JSON report, and returns the text
// and the decoded report.
func runTool(t *testing.T, args ...string) (string, *Report) {
	t.Helper()
	jsonPath := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	args = append(args, "-json", jsonPath, "-progress", "lines")
	err := run(context.Background(), args, bytes.NewReader(nil), &stdout, &stderr)
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	b, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	var rep Report
	require.NoError(t, json.Unmarshal(b, &rep))
	return stdout.String(), &rep
}

func TestSmoke_InProcessMemoryStoreWithBaseline(t *testing.T) {
	text, rep := runTool(t, "-server", "inproc", "-store", "memory", "-sessions", "20", "-conns", "5",
		"-rate", "50", "-duration", "1s", "-warmup", "0")
	require.Len(t, rep.Runs, 2)
	assert.Contains(t, text, "memory/live")
	assert.Contains(t, text, "memory/fullpage")

	for _, r := range rep.Runs {
		t.Run(r.Mode, func(t *testing.T) {
			assert.Equal(t, 20, r.Sessions)
			assert.Equal(t, 5, r.Conns)
			assert.Zero(t, r.CreateErrors+r.DialErrors+r.ActionErrors)
			assert.Positive(t, r.Create.P50)
			assert.Positive(t, r.Completed)
			assert.Equal(t, r.Sent, r.Completed, "every action was answered")
			assert.Positive(t, r.RTT.P99)
			assert.GreaterOrEqual(t, r.RTT.P999, r.RTT.P99)
			require.NotNil(t, r.Server, "a server in this process has figures")
			assert.Positive(t, r.Server.CPUPerUpdate)
			require.NotNil(t, r.ServerCreate)
			assert.Equal(t, int64(20), r.ServerCreate.Count)
			var names []string
			for _, a := range r.PerAction {
				names = append(names, a.Action)
			}
			assert.ElementsMatch(t, cycle[:], names, "the cycle reached every action, so task ids were found in the answers")
		})
	}
	full := rep.Runs[1]
	assert.InEpsilon(t, float64(full.PageBytes), full.MeanUpdateBytes(), 0.15, "the baseline re-sends the whole page")
}

func TestSmoke_TargetsARunningServerByURL(t *testing.T) {
	s, err := startServer(serverConfig{mode: modeLive, store: "memory", listen: "127.0.0.1:0", sessions: 10})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()

	_, rep := runTool(t, "-url", s.URL(), "-sessions", "10", "-conns", "3", "-rate", "30", "-duration", "1s", "-warmup", "0")
	require.Len(t, rep.Runs, 1)
	r := rep.Runs[0]
	assert.Equal(t, "url", r.Launch)
	assert.Nil(t, r.Server, "no server figures for a server the tool did not start")
	assert.Positive(t, r.Completed)
	assert.Zero(t, r.ActionErrors)
	assert.Zero(t, r.Unsolicited, "the ready message is not taken for an answer")
}

func TestSmoke_ServerInAChildProcess(t *testing.T) {
	_, rep := runTool(t, "-server", "child", "-store", "memory", "-sessions", "10", "-conns", "3",
		"-rate", "20,40", "-duration", "1s", "-warmup", "0", "-modes", "fragments")
	require.Len(t, rep.Runs, 2, "one report per rate")
	for i, rate := range []float64{20, 40} {
		r := rep.Runs[i]
		assert.Equal(t, rate, r.Rate)
		assert.Equal(t, "child", r.Launch)
		require.NotNil(t, r.Server)
		assert.Positive(t, r.Server.CPU)
		assert.Positive(t, r.Server.HeapPerSession)
		assert.Zero(t, r.ActionErrors)
		// The rate is a ceiling for the one-second phase; a loaded machine
		// completes fewer.
		assert.Positive(t, r.Completed)
		assert.LessOrEqual(t, float64(r.Completed), rate+1, "the rate held for the one-second phase")
	}
}
