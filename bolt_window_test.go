package statetemplate

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/storage/bolt"
)

// The durability window, measured: a child process runs actions (one
// RenderFragments each, on handles kept open as package live keeps them)
// at a steady rate on sessions in a bolt file and prints each one the
// moment it is acknowledged; the parent kills it with SIGKILL at a random
// moment, reopens the file and finds which acknowledged actions are
// missing. The age of the oldest lost action at the kill is the window
// that held in that run.
//
// By default the test makes 3 runs without load and checks what holds on
// any machine: every created session survives, and what is lost of a
// session is always its latest actions. The measurement for BENCHMARKS.md
// is opt-in, as it takes minutes and loads the machine:
//
//	STATETEMPLATE_KILL_RUNS=30 STATETEMPLATE_KILL_LOAD=1 go test -run TestBoltKill_DurabilityWindow -v -timeout 30m .
//
// STATETEMPLATE_KILL_LOAD=1 adds a load process: a busy loop on every
// core, and a writer of 256 KiB + fsync in a loop on the same file system.
const (
	killRunsEnv = "STATETEMPLATE_KILL_RUNS"
	killLoadEnv = "STATETEMPLATE_KILL_LOAD"
	// killRateEnv is the child's actions per second (default 100).
	killRateEnv = "STATETEMPLATE_KILL_RATE"
	// killSessions is how many sessions the child spreads its actions over.
	killSessions = 20
)

// runActionsChild is the child of mode "actions": it creates killSessions
// sessions, printing "S i token" for each, then runs actions at the rate
// of STATETEMPLATE_KILL_RATE, printing "A i step unixnano" as each
// returns, until it is killed.
func runActionsChild(r *Renderer) error {
	ctx := context.Background()
	rate, _ := strconv.Atoi(os.Getenv(killRateEnv))
	if rate <= 0 {
		rate = 100
	}
	sessions := make([]*Session, killSessions)
	for i := range sessions {
		tok, err := r.CreateSession(ctx, boltData(i, 0))
		if err != nil {
			return err
		}
		if sessions[i], err = r.GetSession(tok); err != nil {
			return err
		}
		fmt.Fprintf(os.Stdout, "S %d %s\n", i, tok)
	}
	// Four workers, each with its own sessions, so that the rate holds
	// while one waits for the store.
	const workers = 4
	var mu sync.Mutex
	for w := range workers {
		go func() {
			tick := time.NewTicker(time.Second * workers / time.Duration(rate))
			defer tick.Stop()
			steps := make([]int, killSessions)
			for n := 0; ; n++ {
				<-tick.C
				i := w + (n*workers)%killSessions
				if _, err := sessions[i].RenderFragments(ctx, boltData(i, steps[i]+1)); err != nil {
					fmt.Fprintf(os.Stderr, "action on session %d: %v\n", i, err)
					continue
				}
				steps[i]++
				mu.Lock() // one write per line, so that a line is in the pipe once acknowledged
				fmt.Fprintf(os.Stdout, "A %d %d %d\n", i, steps[i], time.Now().UnixNano())
				mu.Unlock()
			}
		}()
	}
	select {}
}

// runLoadChild is the child of mode "load": a busy loop on every core and
// a writer that writes 256 KiB and fsyncs it, in a loop, at path.
func runLoadChild(path string) error {
	for range runtime.NumCPU() {
		go func() {
			x := 1.0
			for {
				x = math.Sqrt(x + 1)
			}
		}()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := make([]byte, 256<<10)
	for {
		_, _ = rand.Read(buf[:64])
		if _, err := f.WriteAt(buf, 0); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
}

// killRun is the outcome of one kill.
type killRun struct {
	acked, lost int
	// window is the age, at the kill, of the oldest acknowledged action
	// that was lost (0 when none was); span is how long before the last
	// acknowledgement that action was acknowledged.
	window, span time.Duration
}

// TestBoltKill_DurabilityWindow is the kill -9 loop described above.
func TestBoltKill_DurabilityWindow(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv(killRunsEnv))
	measuring := runs > 0
	if !measuring {
		runs = 3
	}
	dir := t.TempDir()
	if os.Getenv(killLoadEnv) != "" {
		load, _ := startBoltChild(t, "load", filepath.Join(dir, "load.bin"), "")
		t.Cleanup(func() { _ = load.Process.Kill(); _ = load.Wait() })
	}
	var results []killRun
	for run := range runs {
		res := killOnce(t, filepath.Join(dir, fmt.Sprintf("run-%d.db", run)))
		results = append(results, res)
		t.Logf("run %2d: %4d actions acknowledged, %2d lost, the oldest %v old at the kill, %v before the last acknowledgement",
			run, res.acked, res.lost, res.window.Round(time.Millisecond), res.span.Round(time.Millisecond))
	}
	var windows, spans []time.Duration
	over, lost, acked := 0, 0, 0
	for _, r := range results {
		windows, spans = append(windows, r.window), append(spans, r.span)
		lost, acked = lost+r.lost, acked+r.acked
		if r.window > bolt.DefaultUpdateWindow {
			over++
		}
	}
	slices.Sort(windows)
	slices.Sort(spans)
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	t.Logf("%d runs, %d actions acknowledged, %d lost: oldest lost action at the kill: worst %v, median %v, %d runs over the %v update window; lost span of acknowledgements: worst %v, median %v",
		len(results), acked, lost, ms(windows[len(windows)-1]), ms(windows[len(windows)/2]), over, bolt.DefaultUpdateWindow,
		ms(spans[len(spans)-1]), ms(spans[len(spans)/2]))
}

// killOnce runs the actions child on a fresh file, kills it 1.5 to 3 s
// into its actions, and checks the file against what it acknowledged.
func killOnce(t *testing.T, path string) killRun {
	t.Helper()
	cmd, out := startBoltChild(t, "actions", path, "")
	lines := childLines(out)
	toks := make([]string, killSessions)
	type ack struct {
		step int
		at   time.Time
	}
	acks := make([][]ack, killSessions)
	killedAt := make(chan time.Time, 1)
	kill := func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		// Stamped after the signal: the child died no later, so the
		// ages measured are upper bounds.
		killedAt <- time.Now()
	}
	// A child that never gets its sessions made is killed too, and fails
	// the run below.
	timer := time.AfterFunc(time.Minute, kill)
	defer timer.Stop()
	created := 0
	for l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) == 3 && f[0] == "S":
			i, _ := strconv.Atoi(f[1])
			toks[i] = f[2]
			if created++; created == killSessions { // the actions start now
				timer.Reset(1500*time.Millisecond + time.Duration(mrand.IntN(1500))*time.Millisecond)
			}
		case len(f) == 4 && f[0] == "A":
			i, _ := strconv.Atoi(f[1])
			step, _ := strconv.Atoi(f[2])
			ns, _ := strconv.ParseInt(f[3], 10, 64)
			acks[i] = append(acks[i], ack{step, time.Unix(0, ns)})
		}
		// Anything else is a line the kill cut short: it was not acknowledged.
	}
	_ = cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "the child ended before it was killed: %v", cmd.ProcessState)
	killed := <-killedAt

	r, err := newBoltRenderer(path, "")
	require.NoError(t, err)
	defer r.Close()
	var res killRun
	var lastAck time.Time
	for _, as := range acks {
		for _, a := range as {
			if a.at.After(lastAck) {
				lastAck = a.at
			}
		}
	}
	for i, tok := range toks {
		require.NotEmpty(t, tok, "session %d was not created before the kill", i)
		s, err := r.GetSession(tok)
		require.NoError(t, err, "session %d: a created session survives", i)
		restored := s.Data().(*boltPage).Counter
		require.NoError(t, s.Close())
		res.acked += len(acks[i])
		last := 0
		if n := len(acks[i]); n > 0 {
			last = acks[i][n-1].step
		}
		// The store may hold one action more than was acknowledged (written,
		// then killed before its line), never one that was not run.
		require.LessOrEqual(t, restored, last+1, "session %d", i)
		for k, a := range acks[i] {
			if a.step > restored { // lost, and with it every later action of the session
				res.lost += len(acks[i]) - k
				res.window = max(res.window, killed.Sub(a.at))
				res.span = max(res.span, lastAck.Sub(a.at))
				break
			}
		}
	}
	return res
}
