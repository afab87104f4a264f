package bolt

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/livefir/statetemplate/session"
)

// Store is the durable session store: one bbolt file. It is safe for
// concurrent use. See the package documentation for its contract.
type Store struct {
	path     string
	opts     options
	readOnly bool

	// dbMu guards db itself: readers hold it shared, Compact swaps the file
	// under it exclusively.
	dbMu sync.RWMutex
	db   *bbolt.DB

	count atomic.Int64 // sessions stored, pending creates and deletes included
	// longestWrite is the longest write transaction so far, in ns.
	longestWrite atomic.Int64
	writeHook    func(time.Duration) // tests: every write transaction's duration
	pending      pendingSet
	// values keeps committed values' arrays for the lazy records the
	// writer encodes next; the writer's alone.
	values valuePool
	// generation is when the writer last started a generation of the
	// pending set's clean entries (see flushDue); the writer's alone.
	generation time.Time

	ops    chan *op      // to the writer goroutine
	dirty  chan struct{} // an update is waiting for the window
	quit   chan struct{} // closed by Close
	done   chan struct{} // closed when the writer has exited
	closed atomic.Bool
	// closing is set by Close before its last flush: the writes that go
	// into the pending set (Update, Delete) check it under their shard's
	// lock, so that none is accepted after that flush (see admit).
	closing atomic.Bool
	damaged atomic.Bool // a write met a damaged page: writes are refused
	// legacy is set while layout-1 values (no checksum) may remain; the
	// upgrader clears it once it has rewritten them all.
	legacy   atomic.Bool
	upgrader sync.WaitGroup
	// failing is set by the writer when a commit fails, and cleared by the
	// next one that succeeds; while set, writes are refused.
	failing atomic.Pointer[writeFailure]
	failMu  sync.Mutex // orders noteWrite's transitions and their log lines
	// flushed is notified when a flush of the pending writes has taken
	// them, and again when it ends.
	flushed  broadcast
	closeMu  sync.Mutex
	closeErr error
}

var (
	_ session.Store     = (*Store)(nil)
	_ session.Durable   = (*Store)(nil)
	_ session.KeyKeeper = (*Store)(nil)
	_ session.Flusher   = (*Store)(nil)
)

// Open opens the session file at path for reading and writing, creating it
// (mode 0600) when it does not exist. Its directory must exist. Open does
// not read the sessions: its cost does not grow with their number.
//
// Errors: a missing directory wraps fs.ErrNotExist; a file another process
// holds wraps ErrFileInUse after the open timeout; a foreign, truncated or
// newer-layout file wraps ErrNotSessionFile. All wrap
// session.ErrStoreUnavailable.
func Open(path string, opts ...Option) (*Store, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	db, err := openDB(path, o.openTimeout, false)
	if err != nil {
		return nil, err
	}
	s := &Store{
		path:  path,
		opts:  o,
		db:    db,
		ops:   make(chan *op, 1024),
		dirty: make(chan struct{}, 1),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	s.pending.init()
	if err := s.initFile(); err != nil {
		_ = db.Close()
		return nil, err
	}
	go s.writer()
	if s.legacy.Load() {
		s.upgrader.Go(s.upgrade)
	}
	return s, nil
}

// OpenReadOnly opens the session file at path for inspection (the dump
// tool): it takes a shared lock, so it waits up to timeout for a process
// that has the file open for writing, then fails with ErrFileInUse. Reads
// (Get, Expired, Count, ForEach, WalkExpiry, Stats, Check, Backup) work;
// writes fail with ErrReadOnly.
func OpenReadOnly(path string, timeout time.Duration) (*Store, error) {
	if timeout <= 0 {
		timeout = DefaultOpenTimeout
	}
	db, err := openDB(path, timeout, true)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, opts: defaultOptions(), db: db, readOnly: true,
		quit: make(chan struct{}), done: make(chan struct{})}
	s.pending.init()
	close(s.done)
	err = safeView(db, path, func(tx *bbolt.Tx) error {
		n, err := readCount(tx)
		s.count.Store(int64(n))
		s.legacy.Store(hasLegacyValues(tx))
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, unavailable(path, err)
	}
	return s, nil
}

func unavailable(path string, err error) error {
	return fmt.Errorf("%w: %s: %w", session.ErrStoreUnavailable, path, err)
}

// openDB opens path with bbolt after checking what bbolt does not: that
// the directory exists and that an existing file is a whole session file.
// A file shorter than its own header says would make bbolt fault on its
// memory map, so it is checked through a read-only open first.
func openDB(path string, timeout time.Duration, readOnly bool) (*bbolt.DB, error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return nil, unavailable(path, fmt.Errorf("directory %s: %w", dir, err))
	} else if !st.IsDir() {
		return nil, unavailable(path, fmt.Errorf("%s is not a directory: %w", dir, fs.ErrInvalid))
	}
	st, statErr := os.Stat(path)
	switch {
	case statErr == nil && !st.Mode().IsRegular():
		return nil, unavailable(path, fmt.Errorf("not a regular file (%s)", st.Mode().Type()))
	case statErr == nil && st.Size() == 0:
		return nil, unavailable(path, fmt.Errorf("%w: the file is empty (0 bytes); a new session file is never left empty, so this one was truncated or replaced: move it away to start with no sessions (and a new signing key, unless the app sets one)", ErrNotSessionFile))
	case statErr == nil:
		if err := precheck(path, st.Size(), timeout); err != nil {
			return nil, err
		}
	case readOnly:
		return nil, unavailable(path, statErr)
	case errors.Is(statErr, fs.ErrNotExist):
		if err := createFile(path, timeout); err != nil {
			return nil, err
		}
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:         timeout,
		ReadOnly:        readOnly,
		PreLoadFreelist: readOnly, // for Stats; a writer always loads it
		FreelistType:    bbolt.FreelistMapType,
	})
	if err != nil {
		return nil, openError(path, err)
	}
	return db, nil
}

// createFile makes a new session file at path that appears complete or
// not at all: it is initialised under a temporary name, then linked into
// place (never over a file another opener put there first) and its
// directory entry synced. So no crash leaves an empty or half-made file
// at path, and an empty file there is damage (see openDB).
func createFile(path string, timeout time.Duration) error {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := fmt.Sprintf("%s.new-%x", path, rnd)
	db, err := bbolt.Open(tmp, 0o600, &bbolt.Options{Timeout: timeout, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		_ = os.Remove(tmp)
		return openError(path, err)
	}
	err = db.Update(initBuckets)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, path)
		if errors.Is(err, fs.ErrExist) {
			err = nil // another opener created it first: use theirs
		}
	}
	_ = os.Remove(tmp)
	if err != nil {
		return unavailable(path, fmt.Errorf("creating the session file: %w", err))
	}
	// The new directory entry must reach the disk too, or a machine
	// crash could lose the file with its first sessions.
	syncDir(filepath.Dir(path))
	return nil
}

// initBuckets creates the buckets and meta keys of an empty file.
func initBuckets(tx *bbolt.Tx) error {
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(metaLayout, binary.BigEndian.AppendUint32(nil, LayoutVersion)); err != nil {
		return err
	}
	if err := meta.Put(metaCount, u64(0)); err != nil {
		return err
	}
	created, _ := time.Now().UTC().MarshalText()
	if err := meta.Put(metaCreated, created); err != nil {
		return err
	}
	if _, err := tx.CreateBucket(bucketSessions); err != nil {
		return err
	}
	_, err = tx.CreateBucket(bucketExpiry)
	return err
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return unavailable(path, ErrFileInUse)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrInvalidMapping):
		return unavailable(path, fmt.Errorf("%w: %v", ErrNotSessionFile, err))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return unavailable(path, fmt.Errorf("cannot open the session file: %w", err))
	}
	// bbolt reports short files with an unexported error ("file size too small").
	return unavailable(path, fmt.Errorf("%w: %v", ErrNotSessionFile, err))
}

// precheck opens an existing file read-only and verifies that it is a
// session file no shorter than its meta page says.
func precheck(path string, size int64, timeout time.Duration) error {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout, ReadOnly: true})
	if err != nil {
		return openError(path, err)
	}
	defer db.Close()
	return safeView(db, path, func(tx *bbolt.Tx) error {
		if want := tx.Size(); want > size {
			return unavailable(path, fmt.Errorf("%w: truncated: %d bytes, its header says %d", ErrNotSessionFile, size, want))
		}
		return checkLayout(path, tx)
	})
}

// checkLayout verifies the meta bucket of a non-empty file.
func checkLayout(path string, tx *bbolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
		if empty {
			return nil // a fresh bbolt file: initFile sets it up
		}
		return unavailable(path, fmt.Errorf("%w: a bbolt file without the %q bucket", ErrNotSessionFile, bucketMeta))
	}
	v := meta.Get(metaLayout)
	if len(v) != 4 {
		return unavailable(path, fmt.Errorf("%w: missing layout version", ErrNotSessionFile))
	}
	if l := binary.BigEndian.Uint32(v); l > LayoutVersion {
		return unavailable(path, fmt.Errorf("%w: layout version %d (this build reads up to %d)", ErrNotSessionFile, l, LayoutVersion))
	}
	if tx.Bucket(bucketSessions) == nil || tx.Bucket(bucketExpiry) == nil {
		return unavailable(path, fmt.Errorf("%w: missing sessions or expiry bucket", ErrNotSessionFile))
	}
	return nil
}

// initFile creates the buckets of a new file, marks a layout-1 file as
// layout 2 with legacy values to upgrade, and loads the session count.
func (s *Store) initFile() error {
	err := safeUpdate(s.db, s.path, func(tx *bbolt.Tx) error {
		if err := checkLayout(s.path, tx); err != nil {
			return err
		}
		layout := binary.BigEndian.AppendUint32(nil, LayoutVersion)
		if meta := tx.Bucket(bucketMeta); meta != nil && hasLegacyValues(tx) {
			// Layout 2 from now on, so that an older build refuses the
			// file rather than misread its new values.
			if err := meta.Put(metaLayout, layout); err != nil {
				return err
			}
			if err := meta.Put(metaLegacy, []byte{1}); err != nil {
				return err
			}
			s.legacy.Store(true)
		}
		if tx.Bucket(bucketMeta) == nil {
			// A bbolt file without buckets: an older build crashed between
			// creating the file and setting it up.
			if err := initBuckets(tx); err != nil {
				return err
			}
		}
		n, err := readCount(tx)
		s.count.Store(int64(n))
		return err
	})
	if err != nil && !errors.Is(err, session.ErrStoreUnavailable) {
		return unavailable(s.path, err)
	}
	return err
}

// hasLegacyValues reports whether the file may hold layout-1 values: it
// is of layout 1, or a layout-1 file whose upgrade has not finished.
func hasLegacyValues(tx *bbolt.Tx) bool {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return false
	}
	v := meta.Get(metaLayout)
	return (len(v) == 4 && binary.BigEndian.Uint32(v) < 2) || meta.Get(metaLegacy) != nil
}

func readCount(tx *bbolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, fmt.Errorf("%w: missing %q bucket", ErrNotSessionFile, bucketMeta)
	}
	v := meta.Get(metaCount)
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: missing session count", ErrNotSessionFile)
	}
	return binary.BigEndian.Uint64(v), nil
}

// Path returns the file's path.
func (s *Store) Path() string { return s.path }

// Durable reports true: sessions outlive the process.
func (s *Store) Durable() bool { return true }

func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return s.closedErr()
	}
	return ctx.Err()
}

func (s *Store) closedErr() error {
	return fmt.Errorf("%w: bolt store %s closed", session.ErrStoreUnavailable, s.path)
}

// admit refuses a write into the pending set once Close has begun; the
// caller holds the write's shard lock (see closing and
// pendingSet.barrier).
func (s *Store) admit() error {
	if s.closing.Load() {
		return s.closedErr()
	}
	return nil
}

// checkRead is check for a read of the whole file (scans, backups): the
// pending writes of a writable store are committed first, so that the read
// sees them.
func (s *Store) checkRead(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if !s.readOnly && s.pending.n.Load() > 0 {
		return s.flushAll(ctx)
	}
	return nil
}

func (s *Store) checkWrite(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if s.readOnly {
		return fmt.Errorf("%w: %w", session.ErrStoreUnavailable, ErrReadOnly)
	}
	if s.damaged.Load() {
		return fmt.Errorf("%w: %s: %w; writes stopped (check it with statetemplate-dump check)",
			session.ErrStoreUnavailable, s.path, ErrDamagedFile)
	}
	return s.writesFailing()
}

// view runs fn in a read transaction on the current file.
func (s *Store) view(fn func(tx *bbolt.Tx) error) error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return safeView(s.db, s.path, fn)
}

// HealthCheck returns nil while the store is open, its file readable and
// its writes succeeding: after a failed commit it returns the failure
// (wrapping session.ErrStoreUnavailable) until a write succeeds again.
func (s *Store) HealthCheck(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if s.damaged.Load() && !s.readOnly {
		return fmt.Errorf("%w: %s: %w; writes stopped", session.ErrStoreUnavailable, s.path, ErrDamagedFile)
	}
	if err := s.writesFailing(); err != nil {
		return err
	}
	return s.view(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketSessions) == nil {
			return fmt.Errorf("%w: sessions bucket missing", session.ErrStoreUnavailable)
		}
		return nil
	})
}

// Count returns the number of sessions, in O(1): the count is kept in the
// meta bucket by every transaction that creates or deletes a session.
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	return int(s.count.Load()), nil
}

// Close writes every pending update, stops the writer and closes the
// file. An Update or Delete that runs while Close does is either written
// or refused: from its start, writes fail with
// session.ErrStoreUnavailable, and other calls once it returns. Close is
// idempotent.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed.Load() {
		return s.closeErr
	}
	var err error
	if !s.readOnly {
		// From here on no write enters the pending set: the flush below
		// takes every one accepted, or none was acknowledged.
		s.closing.Store(true)
		s.pending.barrier()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = s.flushAll(ctx)
		cancel()
	}
	s.closed.Store(true)
	close(s.quit)
	s.upgrader.Wait()
	<-s.done
	s.dbMu.Lock()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	s.dbMu.Unlock()
	if err != nil {
		err = fmt.Errorf("bolt: closing %s: %w", s.path, err)
	}
	s.closeErr = err
	return err
}
