package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// testdataDir is absolute: golden tests change the working directory.
var testdataDir = func() string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		panic(err)
	}
	return d
}()

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestMain(m *testing.M) {
	if os.Getenv(lockHolderEnv) != "" {
		os.Exit(holdLock())
	}
	if path := os.Getenv(pageCheckEnv); path != "" {
		if path == crashingPageCheck {
			panic("simulated fault in bbolt's page check")
		}
		if d, err := time.ParseDuration(os.Getenv(slowPageCheckEnv)); err == nil {
			time.Sleep(d) // a page check of a large file, for the interrupt tests
		}
		os.Exit(runPageCheck(path)) // check's child process, as in main
	}
	goleak.VerifyTestMain(m)
}

// result is one run of the tool.
type result struct {
	code           int
	stdout, stderr string
}

// runTool runs the tool in-process with a fixed clock, stderr not a
// terminal, and the given lock timeout (0: the default).
func runTool(t testing.TB, now time.Time, args ...string) result {
	t.Helper()
	return runToolCtx(t, context.Background(), now, args...)
}

// runToolCtx is runTool with ctx as the interrupt context.
func runToolCtx(t testing.TB, ctx context.Context, now time.Time, args ...string) result {
	t.Helper()
	return runToolWith(t, func(a *app) { a.ctx = ctx }, now, args...)
}

// runToolWith is runTool with the app adjusted by set.
func runToolWith(t testing.TB, set func(*app), now time.Time, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{
		ctx:         context.Background(),
		stdout:      &out,
		stderr:      &errOut,
		now:         func() time.Time { return now },
		lockTimeout: defaultLockTimeout,
	}
	set(a)
	code := a.run(args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// volatile matches output that depends on when the test file was made
// rather than on its contents: the file's creation time, which
// storage/bolt takes from the wall clock.
var volatile = regexp.MustCompile(`(file created: +|"file_created": ")[0-9TZ:.+-]+`)

// golden compares got with testdata/name.golden, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = volatile.ReplaceAllString(got, "${1}<time>")
	path := filepath.Join(testdataDir, name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: run go test -update")
	require.Equal(t, string(want), got, "output differs from %s (go test -update rewrites it)", path)
}
