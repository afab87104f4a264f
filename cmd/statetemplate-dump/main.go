package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const progName = "statetemplate-dump"

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
	// exitInterrupted: SIGINT or SIGTERM ended check before its verdict
	// (128 + SIGINT, as shells report an interrupted program).
	exitInterrupted = 130
)

const exitCodesHelp = "exit status: 0 ok, 1 findings, 2 usage error or the file cannot be opened, 130 check interrupted (no verdict)"

// app is one invocation: its streams, clock and terminal facts. Tests
// build one with buffers and a fixed clock.
type app struct {
	// ctx ends on the first SIGINT or SIGTERM, so that walks stop and
	// compact removes its partial output.
	ctx            context.Context
	stdout, stderr io.Writer
	now            func() time.Time
	// stderrTTY enables progress lines without --progress.
	stderrTTY bool
	// lockTimeout bounds the wait for the file lock held by a server.
	lockTimeout time.Duration
	// skipPageCheck leaves out check's child process (tests that run
	// check many times on purpose).
	skipPageCheck bool
	// afterRecord, when set, runs after check has read each session
	// (tests that interrupt the walk).
	afterRecord func()
}

// defaultLockTimeout keeps the tool well inside its promise to fail within
// two seconds when a running server holds the file.
const defaultLockTimeout = time.Second

func main() {
	if path := os.Getenv(pageCheckEnv); path != "" {
		os.Exit(runPageCheck(path)) // check's child process
	}
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	a := &app{
		ctx:         interruptible(),
		stdout:      out,
		stderr:      os.Stderr,
		now:         time.Now,
		stderrTTY:   isTerminal(os.Stderr),
		lockTimeout: defaultLockTimeout,
	}
	code := a.run(os.Args[1:])
	if err := out.Flush(); err != nil && code == exitOK {
		fmt.Fprintf(os.Stderr, "%s: writing output: %v\n", progName, err)
		code = exitUsage
	}
	os.Exit(code)
}

// interruptible returns a context cancelled by the first SIGINT or
// SIGTERM; a second one kills the process as usual.
func interruptible() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		signal.Stop(sig)
		cancel()
	}()
	return ctx
}

// command is one subcommand.
type command struct {
	name     string
	synopsis string // arguments, after the command name
	summary  string // one line, for the command list
	help     string // a paragraph, for --help
	run      func(a *app, cmd *command, args []string) int
}

// commands lists the subcommands in the order the usage shows them.
var commands []*command

func init() {
	commands = []*command{
		statsCommand, listCommand, showCommand, checkCommand,
		purgeCommand, compactCommand, exportCommand,
	}
}

// run executes args (without the program name) and returns the exit code.
func (a *app) run(args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			if c := findCommand(args[1]); c != nil {
				return c.run(a, c, []string{"--help"})
			}
		}
		a.usage(a.stdout)
		return exitOK
	}
	c := findCommand(args[0])
	if c == nil {
		fmt.Fprintf(a.stderr, "%s: unknown command %q\n\n", progName, args[0])
		a.usage(a.stderr)
		return exitUsage
	}
	return c.run(a, c, args[1:])
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (a *app) usage(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s COMMAND [flags] FILE [ARG]\n\n", progName)
	b.WriteString("Inspect, check, back up and compact a statetemplate session file.\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "\nRun '%s COMMAND --help' for a command's flags.\n", progName)
	b.WriteString("A file held by a running server cannot be opened: run the tool on a\nsnapshot taken with the renderer's hot Backup instead.\n\n")
	b.WriteString(exitCodesHelp + "\n")
	io.WriteString(w, b.String())
}

// errorf reports an error on stderr, prefixed with the program and command.
func (a *app) errorf(cmd *command, format string, args ...any) {
	fmt.Fprintf(a.stderr, "%s %s: %s\n", progName, cmd.name, fmt.Sprintf(format, args...))
}

// progressFor returns a progress line for a long operation, or nil when
// progress is off (stderr is not a terminal and --progress was not given).
func (a *app) progressFor(f *cmdFlags, label, unit string, total int64) *progress {
	return newProgress(f.progress || a.stderrTTY, a.stderr, a.now, label, unit, total)
}
