package main

var exportCommand = &command{
	name:     "export",
	synopsis: "[--redact] [--live] FILE",
	summary:  "every session as JSON lines",
	help: `Prints every session as one JSON object per line, in ID order, streamed (the
file is never held in memory): the fields of list --json plus "data" and
"fragments" as show prints them. A corrupt record is reported on stderr and
skipped; a session whose data does not decode is printed with "data_error"
and reported on stderr (exit status 1 for either). --redact replaces string values as show --redact does.`,
	run: runExport,
}

func runExport(a *app, cmd *command, args []string) int {
	f := newFlags(cmd).withProgress()
	redactStrings := f.Bool("redact", false, "replace string values (see show --help)")
	live := f.Bool("live", false, "leave out sessions that have expired")
	pos, code, ok := f.parse(a, args, 1, 1)
	if !ok {
		return code
	}
	st, code, ok := a.openRead(cmd, pos[0])
	if !ok {
		return code
	}
	now := a.now()
	corrupt := 0
	err := a.scan(a.ctx, f, st, "export", func(e entry) error {
		if e.Err != nil {
			corrupt++
			a.corruptWarning(cmd, e)
			return nil
		}
		if *live && e.Rec.Expired(now) {
			return nil
		}
		d := newDetail(e, now, *redactStrings)
		if d.DataError != "" {
			corrupt++ // printed, with data_error, and reported
			a.errorf(cmd, "session %s: %s (run check)", e.ID, d.DataError)
		}
		b, err := marshalLine(d)
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(append(b, '\n'))
		return err
	})
	closeStore(st, err)
	if err != nil {
		a.errorf(cmd, "%s: %v", pos[0], err)
		return exitFindings
	}
	if corrupt > 0 {
		return exitFindings
	}
	return exitOK
}
