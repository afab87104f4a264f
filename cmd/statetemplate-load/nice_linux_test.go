package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// niceChildEnv makes TestSetNice_SetsEveryThreadOfTheProcess, run again
// in a process of its own, set that process's nice value (it cannot be
// taken back without privileges) and list its threads'.
const niceChildEnv = "STATETEMPLATE_LOAD_NICE_CHILD"

func TestSetNice_SetsEveryThreadOfTheProcess(t *testing.T) {
	if v := os.Getenv(niceChildEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err)
		require.NoError(t, setNice(n))
		threadsStartedAfter(t, 4)
		for tid, nice := range threadNices(t) {
			os.Stdout.WriteString("NICE " + tid + " " + strconv.Itoa(nice) + "\n")
		}
		return
	}
	const want = 7
	cmd := exec.Command(os.Args[0], "-test.run=^TestSetNice_SetsEveryThreadOfTheProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), niceChildEnv+"="+strconv.Itoa(want))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), out.String())

	seen := 0
	for line := range strings.Lines(out.String()) {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "NICE" {
			continue
		}
		seen++
		assert.Equal(t, strconv.Itoa(want), f[2], "thread %s", f[1])
	}
	assert.GreaterOrEqual(t, seen, 5, "the runtime's threads and the ones started after setNice: %s", out.String())
}

// threadsStartedAfter starts n OS threads (each goroutine locked to one
// while the others start) and ends them, leaving their threads parked.
func threadsStartedAfter(t *testing.T, n int) {
	t.Helper()
	var started, release sync.WaitGroup
	release.Add(1)
	for range n {
		started.Add(1)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			started.Done()
			release.Wait()
		}()
	}
	started.Wait()
	release.Done()
}

// threadNices reads the nice value of each of this process's threads
// (field 19 of /proc/self/task/TID/stat, counted after the command name).
func threadNices(t *testing.T) map[string]int {
	t.Helper()
	paths, err := filepath.Glob("/proc/self/task/*/stat")
	require.NoError(t, err)
	out := map[string]int{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		rest := string(b[bytes.LastIndexByte(b, ')')+2:])
		f := strings.Fields(rest) // field 3 (state) first
		nice, err := strconv.Atoi(f[19-3])
		require.NoError(t, err)
		out[filepath.Base(filepath.Dir(p))] = nice
	}
	return out
}
