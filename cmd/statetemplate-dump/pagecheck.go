package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	bbolt "go.etcd.io/bbolt"
)

// pageCheckEnv, set to a file's path, makes this program run bbolt's own
// page check (Tx.Check: every page reachable or free, none twice, keys in
// order) on it and exit. check runs it in a child process: bbolt checks on
// a goroutine of its own, where a memory fault on a damaged page cannot be
// recovered and would kill the tool.
const pageCheckEnv = "STATETEMPLATE_DUMP_PAGECHECK"

// maxPageProblems bounds the page problems printed: one damaged page can
// make thousands of others unreachable.
const maxPageProblems = 20

// exitCannotCheck is the child's exit status when it cannot open the
// file. It differs from 2, the status of a Go program that panics.
const exitCannotCheck = 3

// runPageCheck is the child: one problem per line on stdout; exit status
// 0 when there is none, 1 when there are some, exitCannotCheck when the
// file does not open. Any other status is a crash.
func runPageCheck(path string) int {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: defaultLockTimeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitCannotCheck
	}
	defer db.Close()
	n := 0
	err = db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() { // drain: Check's goroutine waits for every send
			if n++; n <= maxPageProblems {
				fmt.Println(err)
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitCannotCheck
	}
	if n > maxPageProblems {
		fmt.Printf("and %d more page problems\n", n-maxPageProblems)
	}
	if n > 0 {
		return exitFindings
	}
	return exitOK
}

// errNoPageCheck means the page check could not be run at all, which says
// nothing about the file.
var errNoPageCheck = errors.New("page check not run")

// pageCheck runs runPageCheck on path in a child process (this program,
// re-executed) and returns the problems it found. A child that crashes or
// does not finish in time is itself a finding: an error wrapping
// errDamaged.
func (a *app) pageCheck(path string) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoPageCheck, err)
	}
	ctx, cancel := context.WithTimeout(a.ctx, walkLimit(fileSize(path)))
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), pageCheckEnv+"="+path)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if out.Len() == 0 {
		lines = nil
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil, nil
	case a.ctx.Err() != nil:
		return nil, a.ctx.Err()
	case ctx.Err() != nil:
		return lines, fmt.Errorf("%w: bbolt's page check did not finish in %v", errDamaged, walkLimit(fileSize(path)))
	case errors.As(err, &exit) && exit.ExitCode() == exitFindings:
		return lines, nil
	case errors.As(err, &exit) && exit.ExitCode() == exitCannotCheck:
		return nil, fmt.Errorf("%w: %s", errNoPageCheck, lastLine(errOut.String()))
	case errors.As(err, &exit):
		return lines, fmt.Errorf("%w: bbolt's page check crashed (%v): %s", errDamaged, exit, firstLine(errOut.String()))
	default:
		return nil, fmt.Errorf("%w: %v", errNoPageCheck, err)
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
