package bolt

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// Backup writes a consistent copy of the file to w while the store keeps
// serving: it commits pending writes, then copies one read transaction's
// snapshot (bbolt's Tx.WriteTo). The copy is itself a session file that
// Open and OpenReadOnly accept. It returns the bytes written.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := s.checkRead(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("bolt: backing up %s: %w", s.path, err)
	}
	return n, nil
}

// Compact rewrites the file without its free pages, returning the space
// that expired sessions left behind to the file system: it copies every
// bucket into path+".compact", then renames the copy over the file. Reads
// continue during the copy; creates and flushes wait for it, and every
// operation waits for the swap itself (close, rename, reopen).
func (s *Store) Compact(ctx context.Context) error {
	if err := s.checkWrite(ctx); err != nil {
		return err
	}
	return s.submit(context.WithoutCancel(ctx), &op{kind: opExclusive, fn: s.compact})
}

func (s *Store) compact() error {
	if err := s.flushPending(); err != nil {
		return err
	}
	tmp := s.path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bbolt.Open(tmp, 0o600, &bbolt.Options{Timeout: s.opts.openTimeout, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("bolt: compacting %s: %w", s.path, err)
	}
	s.dbMu.RLock()
	err = bbolt.Compact(dst, s.db, 4<<20)
	s.dbMu.RUnlock()
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("bolt: compacting %s: %w", s.path, err)
	}

	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("%w: compacting %s: closing: %w", session.ErrStoreUnavailable, s.path, err)
	}
	renameErr := os.Rename(tmp, s.path)
	if renameErr == nil {
		syncDir(filepath.Dir(s.path))
	}
	db, err := bbolt.Open(s.path, 0o600, &bbolt.Options{Timeout: s.opts.openTimeout, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("%w: compacting %s: reopening: %w", session.ErrStoreUnavailable, s.path, err)
	}
	s.db = db
	if renameErr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("bolt: compacting %s: %w", s.path, renameErr)
	}
	return nil
}

// syncDir makes a new name in dir (a created or renamed file) durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
