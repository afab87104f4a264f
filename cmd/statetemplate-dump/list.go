package main

import (
	"fmt"
)

var listCommand = &command{
	name:     "list",
	synopsis: "[--expired] [--type T] [--limit N] [--json] FILE",
	summary:  "one line per session",
	help: `Lists the sessions in ID order, one per line: short id, created, last access,
expires (the deadline, idle timeout included), live or expired, record bytes,
fragment count and data type. Times are UTC. --json prints a JSON array of
objects with the full id and every field instead. A corrupt record is reported
on stderr and skipped (exit status 1); run check for details.`,
	run: runList,
}

func runList(a *app, cmd *command, args []string) int {
	f := newFlags(cmd).withProgress()
	expired := f.Bool("expired", false, "only sessions that have expired (not yet swept)")
	typ := f.String("type", "", "only sessions whose data type is `T` (full name, or its tail: Dashboard, app.Dashboard)")
	limit := f.Int("limit", 0, "print at most `N` sessions (0: all)")
	asJSON := f.Bool("json", false, "print a JSON array of objects")
	pos, code, ok := f.parse(a, args, 1, 1)
	if !ok {
		return code
	}
	if *limit < 0 {
		return f.fail(a, "--limit must not be negative")
	}
	st, code, ok := a.openRead(cmd, pos[0])
	if !ok {
		return code
	}
	now := a.now()
	var (
		arr     = &jsonArray{w: a.stdout}
		printed int
		corrupt int
	)
	if !*asJSON {
		fmt.Fprintln(a.stdout, listHeader)
	}
	err := a.scan(a.ctx, f, st, "list", func(e entry) error {
		if e.Err != nil {
			corrupt++
			a.corruptWarning(cmd, e)
			return nil
		}
		if *expired && !e.Rec.Expired(now) || *typ != "" && !typeMatches(e.Rec.DataType, *typ) {
			return nil
		}
		if *limit > 0 && printed == *limit {
			return errStop
		}
		printed++
		if *asJSON {
			return arr.Add(newRow(e, now))
		}
		return writeListLine(a.stdout, e, now)
	})
	closeStore(st, err)
	if *asJSON {
		if cerr := arr.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		a.errorf(cmd, "%s: %v", pos[0], err)
		return exitFindings
	}
	if corrupt > 0 {
		return exitFindings
	}
	return exitOK
}
