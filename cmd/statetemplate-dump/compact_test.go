package main

import (
	"context"
	"encoding/json"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/testclock"
)

var counterPage = template.Must(template.New("page").Parse(
	`<body><h1 id="label">{{.Label}}</h1><span id="count">{{.Count}}</span></body>`))

func openRenderer(t *testing.T, path string, clock *testclock.Clock) *statetemplate.Renderer {
	t.Helper()
	r, err := statetemplate.New(counterPage,
		statetemplate.WithBoltStore(path),
		statetemplate.WithDataTypes(&testCounter{}),
		statetemplate.WithClock(clock.Now),
		statetemplate.WithCleanupInterval(time.Hour))
	require.NoError(t, err)
	return r
}

// createSessions creates n sessions concurrently (so that the store groups
// their commits) and returns their tokens.
func createSessions(t *testing.T, r *statetemplate.Renderer, n int, label string, opts ...statetemplate.SessionOption) []string {
	t.Helper()
	tokens := make([]string, n)
	var g errgroup.Group
	g.SetLimit(32)
	for i := range n {
		g.Go(func() error {
			var err error
			tokens[i], err = r.CreateSession(context.Background(), &testCounter{Label: label, Count: i}, opts...)
			return err
		})
	}
	require.NoError(t, g.Wait())
	return tokens
}

// liveIDs returns the ids of the sessions in path that list --json says
// are live.
func liveIDs(t *testing.T, now time.Time, path string) []string {
	t.Helper()
	r := runTool(t, now, "list", "--json", path)
	require.Equal(t, exitOK, r.code, r.stderr)
	var rows []row
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	var ids []string
	for _, row := range rows {
		if !row.Expired {
			ids = append(ids, row.ID)
		}
	}
	return ids
}

// TestCompact_KeepsEveryLiveSessionAndShrinksAfterMassExpiry: sessions
// made by the renderer, most of them expiring at once; compact leaves a
// much smaller file in which every live session is intact — its token
// still opens it and its page renders as before.
func TestCompact_KeepsEveryLiveSessionAndShrinksAfterMassExpiry(t *testing.T) {
	cases := []struct {
		name  string
		sweep bool // the renderer sweeps before it stops; else --drop-expired does it
		args  func(path, out string) []string
		out   func(path, out string) string
	}{
		{
			name: "swept by the renderer, compact -o", sweep: true,
			args: func(path, out string) []string { return []string{"compact", "--progress", "-o", out, path} },
			out:  func(_, out string) string { return out },
		},
		{
			name: "not swept, compact --in-place --drop-expired",
			args: func(path, _ string) []string {
				return []string{"compact", "--progress", "--in-place", "--drop-expired", path}
			},
			out: func(path, _ string) string { return path },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path, out := filepath.Join(dir, "sessions.db"), filepath.Join(dir, "compacted.db")
			clock := testclock.New(t0)
			r := openRenderer(t, path, clock)
			live := createSessions(t, r, 50, "live")
			createSessions(t, r, 1000, strings.Repeat("short-lived ", 100), statetemplate.SessionExpiration(time.Minute))
			clock.Advance(2 * time.Minute)
			pages := make([]string, len(live))
			for i, tok := range live {
				var err error
				pages[i], err = r.RenderPage(tok)
				require.NoError(t, err)
			}
			if tc.sweep {
				n, err := r.Sweep(context.Background())
				require.NoError(t, err)
				require.Equal(t, 1000, n)
			}
			require.NoError(t, r.Close())
			now := clock.Now()
			want := liveIDs(t, now, path)
			require.Len(t, want, 50)
			before := fileSize(path)

			res := runTool(t, now, tc.args(path, out)...)
			require.Equal(t, exitOK, res.code, res.stderr)
			assert.Contains(t, res.stdout, "50 sessions kept")
			assert.Contains(t, res.stderr, "compact: ", "progress is drawn with --progress")

			compacted := tc.out(path, out)
			after := fileSize(compacted)
			t.Logf("%d → %d bytes", before, after)
			assert.Less(t, after, before/4, "the file shrinks")
			assert.ElementsMatch(t, want, liveIDs(t, now, compacted))
			var st fileStats
			require.NoError(t, json.Unmarshal([]byte(runTool(t, now, "stats", "--json", compacted).stdout), &st))
			assert.Equal(t, 50, st.Sessions)
			assert.Equal(t, 0, st.Expired)
			chk := runTool(t, now, "check", "--grace", "0", compacted)
			assert.Equal(t, exitOK, chk.code, chk.stdout)

			r2 := openRenderer(t, compacted, clock)
			defer r2.Close()
			for i, tok := range live {
				page, err := r2.RenderPage(tok)
				require.NoError(t, err, "session %d after compaction", i)
				assert.Equal(t, pages[i], page)
			}
		})
	}
}

// TestWatchSize_ReportsTheGrowingFileUntilStopped covers the progress of
// compaction, which has no callback: the size of the file it writes.
func TestWatchSize_ReportsTheGrowingFileUntilStopped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "growing")
	require.NoError(t, os.WriteFile(path, make([]byte, 3000), 0o600))
	var mu sync.Mutex
	var out strings.Builder
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(p)
	})
	now := testclock.New(t0)
	p := newProgress(true, w, func() time.Time { now.Advance(time.Second); return now.Now() }, "compact", "bytes", 6000)
	stop := watchSize(p, path, time.Millisecond)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(out.String(), "compact: 2.9 KiB / 5.9 KiB (50%)")
	}, 5*time.Second, time.Millisecond)
	stop()
	stop()                                   // idempotent
	watchSize(nil, path, time.Millisecond)() // a nil progress starts nothing (goleak checks)
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestInterrupted_CommandsStopAndCompactLeavesNoPartialFile: after an
// interrupt (a cancelled context), walks end with an error and compact -o
// removes what it had written.
func TestInterrupted_CommandsStopAndCompactLeavesNoPartialFile(t *testing.T) {
	dir := t.TempDir()
	path := writeFixture(t, dir, "sessions.db", fixtureRecords(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(dir, "new.db")
	r := runToolCtx(t, ctx, t0, "compact", "-o", out, path)
	assert.Equal(t, exitFindings, r.code)
	assert.Contains(t, r.stderr, "context canceled")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only sessions.db is left")

	r = runToolCtx(t, ctx, t0, "export", path)
	assert.Equal(t, exitFindings, r.code)
	assert.Contains(t, r.stderr, "context canceled")

	r = runToolCtx(t, ctx, t0, "check", path)
	assert.Equal(t, exitInterrupted, r.code, "an interrupted check has no verdict")
	assert.Contains(t, r.stdout, "not checked: interrupted")
	assert.NotContains(t, r.stdout, "damaged")
	assert.NotContains(t, r.stdout, "ok")
}
