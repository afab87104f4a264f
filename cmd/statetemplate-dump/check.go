package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

var checkCommand = &command{
	name:     "check",
	synopsis: "[--grace D] FILE",
	summary:  "decode every record and index entry; exit 1 on any problem",
	help: `Decodes every record and the data in it (without its Go type), walks the
expiry index, and prints one line per problem, then a summary line. Problem lines start with their kind:

  damaged    the file cannot be read: truncated, not a session file, damaged pages
  corrupt    a record whose bytes changed since it was written (its checksum
             does not match), or a record or its data that does not decode
             (that session only is lost)
  unindexed  a session with no expiry index entry (the sweeper never deletes it)
  orphan     an index entry with no session at its deadline
  count      the stored session count differs from the records found
  expired    a session expired more than --grace ago and not yet swept
  pages      bbolt's own page check: a page unreachable, freed twice, out of
             key order (the next write could spread the damage)

A file written before records had checksums gets a note with the number of
records that have none yet. The second column is the session id ("-" when
there is none). Exit status 1
when there is any problem. An interrupted check (SIGINT, SIGTERM) has no
verdict: it prints how far it got and exits 130. A damaged file is reported, never a crash: bbolt
panics on damaged pages are caught and reported as "damaged", and bbolt's
page check runs in a child process, so that a fault there is reported too.`,
	run: runCheck,
}

// checker collects and prints problems.
type checker struct {
	w        io.Writer
	problems int
}

func (c *checker) report(kind string, id session.ID, format string, args ...any) {
	c.problems++
	ids := "-"
	if !id.IsZero() {
		ids = id.String()
	}
	fmt.Fprintf(c.w, "%-9s  %-32s  %s\n", kind, ids, fmt.Sprintf(format, args...))
}

func runCheck(a *app, cmd *command, args []string) int {
	f := newFlags(cmd).withProgress()
	grace := f.Duration("grace", 10*time.Minute,
		"report expired sessions only when their deadline passed more than `D` ago (the sweeper runs every 5m by default)")
	pos, code, ok := f.parse(a, args, 1, 1)
	if !ok {
		return code
	}
	if *grace < 0 {
		return f.fail(a, "--grace must not be negative")
	}
	path := pos[0]
	c := &checker{w: a.stdout}
	if err := requireFile(path); err != nil {
		a.errorf(cmd, "%v", err)
		return exitUsage
	}
	st, err := bolt.OpenReadOnly(path, a.lockTimeout)
	if errors.Is(err, bolt.ErrNotSessionFile) {
		c.report("damaged", session.ID{}, "%v", err)
		fmt.Fprintf(a.stdout, "%d problem(s): %s cannot be opened as a session file\n", c.problems, path)
		return exitFindings
	}
	if err != nil {
		return a.openFailed(cmd, path, err)
	}

	total := -1
	if stats, err := st.Stats(); err == nil {
		total = stats.Sessions
	}
	sessions, walkErr := a.checkRecords(f, st, c, *grace)
	if a.ctx.Err() != nil {
		closeStore(st, walkErr)
		return a.interrupted(c, fmt.Sprintf("while reading the sessions, after %s", ofTotal(sessions, total)))
	}
	rep, indexErr := a.checkIndex(st, c, path, sessions, walkErr)
	closeStore(st, errors.Join(walkErr, indexErr))
	if a.ctx.Err() != nil {
		return a.interrupted(c, fmt.Sprintf("while checking the expiry index, after %s", ofTotal(sessions, total)))
	}
	if !a.skipPageCheck && !errors.Is(walkErr, errStuck) && !errors.Is(indexErr, errStuck) {
		a.checkPages(cmd, c, path)
		if a.ctx.Err() != nil {
			return a.interrupted(c, fmt.Sprintf("during bbolt's page check, after %s and %d index entries",
				ofTotal(sessions, total), rep.IndexEntries))
		}
	}

	if rep.Unchecksummed > 0 {
		fmt.Fprintf(a.stdout, "note: %d records were written before records had checksums (layout 1): a changed byte in them may go unnoticed until a server opening the file rewrites them\n", rep.Unchecksummed)
	}
	if c.problems > 0 {
		fmt.Fprintf(a.stdout, "%d problem(s): %d sessions, %d index entries\n", c.problems, sessions, rep.IndexEntries)
		return exitFindings
	}
	fmt.Fprintf(a.stdout, "ok: %d sessions, %d index entries, no problems\n", sessions, rep.IndexEntries)
	return exitOK
}

// interrupted ends a check that SIGINT or SIGTERM stopped: it has no
// verdict, whatever it found so far, and says how far it got.
func (a *app) interrupted(c *checker, where string) int {
	fmt.Fprintf(a.stdout, "not checked: interrupted %s; %d problem(s) found until then, the rest of the file was not checked\n", where, c.problems)
	return exitInterrupted
}

// ofTotal is "n of total sessions", or "n sessions" when the total is unknown.
func ofTotal(n, total int) string {
	if total < 0 {
		return fmt.Sprintf("%d sessions", n)
	}
	return fmt.Sprintf("%d of %d sessions", n, total)
}

// checkRecords walks the sessions: every record and its data must decode,
// and none may have expired more than grace ago. It returns the number of
// records walked and the walk's error (reported as damage).
func (a *app) checkRecords(f *cmdFlags, st *bolt.Store, c *checker, grace time.Duration) (int, error) {
	now := a.now()
	sessions := 0
	err := a.scan(a.ctx, f, st, "check", func(e entry) error {
		sessions++
		if a.afterRecord != nil {
			defer a.afterRecord()
		}
		if e.Err != nil {
			c.report("corrupt", e.ID, "%v", e.Err)
			return nil
		}
		if _, err := session.DecodeGeneric(e.Rec.Data); err != nil {
			c.report("corrupt", e.ID, "the session's data (%s): %v", e.Rec.DataType, err)
			return nil
		}
		if d := e.Rec.Deadline(); e.Rec.Expired(now) && now.Sub(d) > grace {
			c.report("expired", e.ID, "deadline %s, %v ago, not swept", fmtTime(d), now.Sub(d).Round(time.Second))
		}
		return nil
	})
	if err != nil && a.ctx.Err() == nil {
		c.report("damaged", session.ID{}, "walking the sessions: %v", err)
	}
	return sessions, err
}

// checkIndex runs the store's consistency check (index against sessions,
// stored count), unless the record walk is stuck.
func (a *app) checkIndex(st *bolt.Store, c *checker, path string, sessions int, walkErr error) (bolt.CheckReport, error) {
	var rep bolt.CheckReport
	if errors.Is(walkErr, errStuck) {
		return rep, errStuck
	}
	err := guarded(walkLimit(fileSize(path)), func() error {
		var err error
		rep, err = st.Check(a.ctx)
		return err
	})
	if err != nil {
		if a.ctx.Err() == nil {
			c.report("damaged", session.ID{}, "walking the expiry index: %v", err)
		}
		return rep, err
	}
	for _, id := range rep.Unindexed {
		c.report("unindexed", id, "no expiry index entry at its deadline: the sweeper will never delete it")
	}
	for _, id := range rep.Orphans {
		if id.IsZero() {
			c.report("orphan", id, "malformed expiry index key")
			continue
		}
		c.report("orphan", id, "expiry index entry with no session at that deadline")
	}
	if walkErr == nil && rep.StoredCount != sessions {
		c.report("count", session.ID{}, "the stored count says %d sessions, the file holds %d", rep.StoredCount, sessions)
	}
	return rep, nil
}

// checkPages reports the findings of bbolt's page check. Not being able
// to run it is a warning, not a finding.
func (a *app) checkPages(cmd *command, c *checker, path string) {
	pages, err := a.pageCheck(path)
	for _, p := range pages {
		c.report("pages", session.ID{}, "%s", p)
	}
	switch {
	case errors.Is(err, errDamaged):
		c.report("damaged", session.ID{}, "%v", err)
	case err != nil && a.ctx.Err() == nil:
		a.errorf(cmd, "warning: %v", err)
	}
}
