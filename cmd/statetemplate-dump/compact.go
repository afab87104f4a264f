package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

var compactCommand = &command{
	name:     "compact",
	synopsis: "(-o NEW | --in-place) [--drop-expired] FILE",
	summary:  "copy the sessions into a new, smaller file",
	help: `Rewrites the file without its free pages, returning the space of deleted
(swept or purged) sessions to the file system. Every session is kept, with the
stored signing key; --drop-expired also leaves out sessions that have expired.

-o NEW writes a new file and leaves FILE untouched: it reads FILE read-only
(so it works on a snapshot), copies it, then compacts the copy; NEW must not
exist. --in-place compacts FILE itself: it needs the file to itself (stop the
server), writes FILE.compact next to it and renames it over FILE, so FILE is
always either the old or the new file. Progress is shown on stderr. The result
is walked before it is reported: it must hold as many sessions as its count
says, all decoding (for -o, NEW is not created otherwise).`,
	run: runCompact,
}

func runCompact(a *app, cmd *command, args []string) int {
	f := newFlags(cmd).withProgress()
	out := f.String("o", "", "write the compacted copy to `NEW` (must not exist)")
	inPlace := f.Bool("in-place", false, "compact FILE itself, swapping the new file in atomically")
	dropExpired := f.Bool("drop-expired", false, "leave out sessions that have expired")
	pos, code, ok := f.parse(a, args, 1, 1)
	if !ok {
		return code
	}
	path := pos[0]
	switch {
	case *inPlace == (*out != ""):
		return f.fail(a, "give either -o NEW or --in-place")
	case *out != "" && sameFile(path, *out):
		return f.fail(a, "-o %s is FILE itself: use --in-place", *out)
	}
	if *out != "" {
		if fi, err := os.Stat(filepath.Dir(*out)); err != nil || !fi.IsDir() {
			a.errorf(cmd, "-o %s: its directory does not exist", *out)
			return exitUsage
		}
	}
	ctx := a.ctx
	var (
		r   compactResult
		err error
	)
	if *inPlace {
		st, code, ok := a.openWrite(cmd, path)
		if !ok {
			return code
		}
		r, err = a.compactStore(ctx, f, st, path, *dropExpired)
	} else {
		if _, err := os.Lstat(*out); err == nil {
			a.errorf(cmd, "%s exists: choose a new file", *out)
			return exitUsage
		}
		src, code, ok := a.openRead(cmd, path)
		if !ok {
			return code
		}
		r, err = a.compactTo(ctx, f, src, path, *out, *dropExpired)
	}
	if err != nil {
		a.errorf(cmd, "%s: %v", path, err)
		return exitFindings
	}
	dest := path
	if !*inPlace {
		dest = *out
	}
	fmt.Fprintf(a.stdout, "compacted %s (%d bytes) into %s (%d bytes): %d sessions kept, %d expired dropped\n",
		path, r.before, dest, r.after, r.sessions, r.dropped)
	return exitOK
}

type compactResult struct {
	before, after     int64
	sessions, dropped int
}

// compactTo copies src (open read-only, closed here) with its hot Backup
// into a temporary file next to out, compacts that copy and renames it to
// out. Until the rename, out does not exist.
func (a *app) compactTo(ctx context.Context, f *cmdFlags, src *bolt.Store, path, out string, dropExpired bool) (compactResult, error) {
	before := fileSize(path)
	tmp := out + ".tmp"
	w, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		closeStore(src, nil)
		return compactResult{}, err
	}
	fail := func(err error) (compactResult, error) {
		_ = os.Remove(tmp)
		_ = os.Remove(tmp + ".compact")
		return compactResult{}, err
	}
	prog := a.progressFor(f, "copy", "bytes", before)
	err = guarded(walkLimit(before), func() error {
		_, err := src.Backup(ctx, &countingWriter{ctx: ctx, w: w, progress: prog.Update})
		return err
	})
	closeStore(src, err)
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		prog.Abort()
		return fail(fmt.Errorf("copying: %w", err))
	}
	prog.Done(fileSize(tmp))

	dst, err := bolt.Open(tmp, bolt.WithOpenTimeout(a.lockTimeout), bolt.WithClock(a.now))
	if err != nil {
		return fail(fmt.Errorf("opening the copy: %w", err))
	}
	r, err := a.compactStore(ctx, f, dst, tmp, dropExpired)
	if err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fail(err)
	}
	syncDir(filepath.Dir(out))
	r.before = before
	return r, nil
}

// compactStore optionally purges expired sessions from st, compacts it in
// place (storage/bolt's Compact: copy, then atomic rename) and closes it.
func (a *app) compactStore(ctx context.Context, f *cmdFlags, st *bolt.Store, path string, dropExpired bool) (compactResult, error) {
	r := compactResult{before: fileSize(path)}
	if dropExpired {
		prog := a.progressFor(f, "drop expired", "sessions", 0)
		n, err := purgeExpired(ctx, st, a.now(), prog.Update)
		if err != nil {
			prog.Abort()
			_ = st.Close()
			return r, fmt.Errorf("dropping expired sessions: %w", err)
		}
		prog.Done(int64(n))
		r.dropped = n
	}
	bs, err := st.Stats()
	if err != nil {
		_ = st.Close()
		return r, err
	}
	inUse := bs.FileSize - int64(bs.FreePages)*int64(bs.PageSize)
	prog := a.progressFor(f, "compact", "bytes", inUse)
	stop := watchSize(prog, path+".compact", progressInterval)
	err = st.Compact(ctx)
	stop()
	if err != nil {
		prog.Abort()
		_ = st.Close()
		return r, fmt.Errorf("compacting: %w", err)
	}
	r.sessions, err = st.Count(ctx)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		prog.Abort()
		return r, err
	}
	r.after = fileSize(path)
	prog.Done(r.after)
	return r, a.verifyCompacted(ctx, path, r.sessions)
}

// verifyCompacted walks the compacted file: it must open and hold want
// sessions, every one of which decodes.
func (a *app) verifyCompacted(ctx context.Context, path string, want int) error {
	st, err := bolt.OpenReadOnly(path, a.lockTimeout)
	if err != nil {
		return fmt.Errorf("verifying the compacted file: %w", err)
	}
	n, corrupt := 0, 0
	err = guarded(walkLimit(fileSize(path)), func() error {
		return st.ForEach(ctx, func(_ session.ID, _ []byte, _ *session.Record, err error) error {
			n++
			if err != nil {
				corrupt++
			}
			return nil
		})
	})
	closeStore(st, err)
	switch {
	case err != nil:
		return fmt.Errorf("verifying the compacted file: %w", err)
	case n != want || corrupt > 0:
		return fmt.Errorf("the compacted file holds %d sessions (%d corrupt), its count says %d: run check on both files", n, corrupt, want)
	}
	return nil
}

// watchSize reports the growing size of the file at path to prog every
// interval, until stop is called. It is how compaction, which has no
// progress callback, shows progress: by the size of the file it writes.
func watchSize(prog *progress, path string, interval time.Duration) (stop func()) {
	if prog == nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				if n := fileSize(path); n > 0 {
					prog.Update(n)
				}
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() { close(quit); wg.Wait() })
	}
}

// countingWriter passes writes through and reports the running total. It
// fails once ctx ends, which is how an interrupted copy stops.
type countingWriter struct {
	ctx      context.Context
	w        io.Writer
	n        int64
	progress func(int64)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.progress(c.n)
	return n, err
}

// sameFile reports whether a and b name the same file (or the same path,
// when neither exists).
func sameFile(a, b string) bool {
	ai, aerr := os.Stat(a)
	bi, berr := os.Stat(b)
	if aerr == nil && berr == nil {
		return os.SameFile(ai, bi)
	}
	ap, _ := filepath.Abs(a)
	bp, _ := filepath.Abs(b)
	return ap == bp
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
