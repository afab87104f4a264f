package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

var purgeCommand = &command{
	name:     "purge",
	synopsis: "--expired [--dry-run] FILE",
	summary:  "delete expired sessions",
	help: `Deletes every session whose deadline has passed, as the server's sweeper
would, walking the expiry index (it costs O(expired), not a scan). It needs
the file to itself: stop the server first. The file does not shrink — its
pages become free for new sessions; compact returns them to the file system.
--dry-run only counts them (with a read-only open).`,
	run: runPurge,
}

// purgeBatch bounds one Expired call and so one write transaction.
const purgeBatch = 1024

func runPurge(a *app, cmd *command, args []string) int {
	f := newFlags(cmd).withProgress()
	expired := f.Bool("expired", false, "delete the sessions that have expired (required)")
	dryRun := f.Bool("dry-run", false, "count what would be deleted; change nothing")
	pos, code, ok := f.parse(a, args, 1, 1)
	if !ok {
		return code
	}
	if !*expired {
		return f.fail(a, "say what to purge: --expired")
	}
	path := pos[0]
	now := a.now()
	if *dryRun {
		st, code, ok := a.openRead(cmd, path)
		if !ok {
			return code
		}
		n := 0
		err := guarded(walkLimit(fileSize(path)), func() error {
			return st.WalkExpiry(a.ctx, func(deadline time.Time, _ session.ID) error {
				if deadline.After(now) {
					return errStop
				}
				n++
				return nil
			})
		})
		if errors.Is(err, errStop) {
			err = nil
		}
		closeStore(st, err)
		if err != nil {
			a.errorf(cmd, "%s: %v", path, err)
			return exitFindings
		}
		fmt.Fprintf(a.stdout, "would purge %d expired sessions from %s\n", n, path)
		return exitOK
	}

	st, code, ok := a.openWrite(cmd, path)
	if !ok {
		return code
	}
	prog := a.progressFor(f, "purge", "sessions", 0)
	n, err := purgeExpired(a.ctx, st, now, prog.Update)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		prog.Abort()
		a.errorf(cmd, "%s: after %d deleted: %v", path, n, err)
		return exitFindings
	}
	prog.Done(int64(n))
	fmt.Fprintf(a.stdout, "purged %d expired sessions from %s\n", n, path)
	return exitOK
}

// purgeExpired deletes every session of st expired at now, in batches,
// and returns how many it deleted.
func purgeExpired(ctx context.Context, st *bolt.Store, now time.Time, progress func(int64)) (int, error) {
	n := 0
	deleted := make(map[session.ID]bool)
	for {
		ids, err := st.Expired(ctx, now, purgeBatch)
		if err != nil {
			return n, err
		}
		if len(ids) == 0 {
			return n, nil
		}
		for _, id := range ids {
			if deleted[id] {
				return n, fmt.Errorf("session %s is still listed as expired after its deletion", id.Short())
			}
			if err := st.Delete(ctx, id); err != nil {
				return n, err
			}
			deleted[id] = true
			n++
		}
		progress(int64(n))
	}
}
