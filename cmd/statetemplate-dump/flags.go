package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// cmdFlags is one subcommand's flag set. Flags may come before or after
// the positional arguments ("list FILE --json" works), and "--" ends the
// flags.
type cmdFlags struct {
	*flag.FlagSet
	cmd      *command
	progress bool
}

func newFlags(cmd *command) *cmdFlags {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself, on the right stream
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, cmd: cmd}
}

// withProgress adds --progress, for subcommands that walk the whole file.
func (f *cmdFlags) withProgress() *cmdFlags {
	f.BoolVar(&f.progress, "progress", false, "show progress on stderr even when it is not a terminal")
	return f
}

// parse parses args and checks the number of positional arguments. On
// --help it prints the usage to stdout; on a usage error it prints the
// error and the usage to stderr. ok is false when the caller must return
// code.
func (f *cmdFlags) parse(a *app, args []string, minPos, maxPos int) (pos []string, code int, ok bool) {
	var rest []string
	for i, s := range args {
		if s == "--" {
			args, rest = args[:i], args[i+1:]
			break
		}
	}
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.usage(a.stdout)
				return nil, exitOK, false
			}
			return nil, f.fail(a, "%v", err), false
		}
		args = f.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	pos = append(pos, rest...)
	switch {
	case len(pos) < minPos:
		return nil, f.fail(a, "missing argument"), false
	case len(pos) > maxPos:
		return nil, f.fail(a, "unexpected argument %q", pos[maxPos]), false
	}
	return pos, 0, true
}

// fail reports a usage error and returns exitUsage.
func (f *cmdFlags) fail(a *app, format string, args ...any) int {
	fmt.Fprintf(a.stderr, "%s %s: %s\n", progName, f.cmd.name, fmt.Sprintf(format, args...))
	f.usage(a.stderr)
	return exitUsage
}

func (f *cmdFlags) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s %s %s\n\n%s\n", progName, f.cmd.name, f.cmd.synopsis, f.cmd.help)
	var lines []string
	f.VisitAll(func(fl *flag.Flag) {
		name, usage := flag.UnquoteUsage(fl)
		head := "  --" + fl.Name
		if len(fl.Name) == 1 {
			head = "  -" + fl.Name
		}
		if name != "" {
			head += " " + name
		}
		lines = append(lines, fmt.Sprintf("%-22s %s", head, usage))
	})
	lines = append(lines, fmt.Sprintf("%-22s %s", "  --help", "show this help"))
	fmt.Fprintf(w, "\nflags:\n%s\n", strings.Join(lines, "\n"))
	fmt.Fprintf(w, "\n%s\n", exitCodesHelp)
}
