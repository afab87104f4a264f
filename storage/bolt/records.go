package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// Create stores a new session and returns once it is committed and
// fsynced. Concurrent calls share one transaction.
func (s *Store) Create(ctx context.Context, rec *session.Record) error {
	if err := s.checkWrite(ctx); err != nil {
		return err
	}
	v, err := encodeValue(rec) // in the caller, so creators encode in parallel
	if err != nil {
		return err
	}
	if err := s.submit(ctx, &op{kind: opCreate, id: rec.ID, value: v}); err != nil {
		return err
	}
	s.count.Add(1)
	return nil
}

// Get returns the latest record of id: a pending update if there is one,
// else the stored record. An undecodable record yields an error wrapping
// ErrSessionNotFound and ErrCorruptRecord. Records read from the file have
// no Value: the caller decodes Data with its registered types.
func (s *Store) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	sh := s.pending.shard(id)
	sh.mu.Lock()
	w, ok := sh.m[id]
	sh.mu.Unlock()
	if ok {
		if w.rec == nil {
			return nil, notFound(id)
		}
		return w.rec, nil
	}
	v, err := s.readValue(id)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, notFound(id)
	}
	rec, err := decodeValue(id, v, s.legacy.Load())
	if err != nil {
		return nil, fmt.Errorf("%w: session %s: %w", session.ErrSessionNotFound, id.Short(), err)
	}
	return rec, nil
}

func notFound(id session.ID) error {
	return fmt.Errorf("%w: %s", session.ErrSessionNotFound, id.Short())
}

// readValue copies the stored value of id out of the file (nil if none):
// bbolt's slices are valid only inside their transaction.
func (s *Store) readValue(id session.ID) ([]byte, error) {
	var v []byte
	err := s.view(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketSessions).Get(id[:]); b != nil {
			v = bytes.Clone(b)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: reading session %s: %w", session.ErrStoreUnavailable, id.Short(), err)
	}
	return v, nil
}

// storedHeader reads only the fixed header of id's stored value. A file
// that cannot be read is an error wrapping session.ErrStoreUnavailable; a
// header that does not decode, readHeader's error (the record is corrupt).
func (s *Store) storedHeader(id session.ID) (h header, found bool, err error) {
	var herr error
	err = s.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSessions).Get(id[:])
		if b == nil {
			return nil
		}
		found = true
		h, herr = readHeader(b, s.legacy.Load())
		return nil
	})
	if err != nil {
		return h, found, fmt.Errorf("%w: reading session %s: %w", session.ErrStoreUnavailable, id.Short(), err)
	}
	return h, found, herr
}

// Update replaces the record of rec.ID if its latest revision is
// rec.Rev-1. The new record is visible to Get at once and written within
// the update window (at once with WithSyncUpdates); updates of one session
// within the window are written once. A lazy update (ctx marked by
// session.WithLazyWrite) is written within the lazy window instead, and
// encoded only then: a record that cannot be stored is refused here when
// the update is not lazy, and dropped with a warning when it is. A lazy
// update of a session whose last update, not lazy, is not written yet is
// not lazy: it carries that update's changes.
func (s *Store) Update(ctx context.Context, rec *session.Record) error {
	if err := s.checkWrite(ctx); err != nil {
		return err
	}
	// A lazy update is encoded when it is flushed, if a later update has
	// not replaced it by then. One that replaces an unwritten update that
	// is not lazy carries that update's changes: it is not lazy (see put),
	// and refused here if it cannot be stored rather than dropped with
	// them at the flush.
	lazy := session.LazyWrite(ctx) && !s.opts.syncUpdates && !s.pending.dirtyEager(rec.ID)
	var v []byte
	if !lazy {
		var err error
		if v, err = encodeValue(rec); err != nil {
			return err
		}
	}
	if err := s.holdWhileOverdue(ctx); err != nil {
		return err
	}
	sh := s.pending.shard(rec.ID)
	sh.mu.Lock()
	var cur uint64
	if w, ok := sh.m[rec.ID]; ok {
		if w.rec == nil {
			sh.mu.Unlock()
			return notFound(rec.ID)
		}
		cur = w.rec.Rev
	} else {
		// Read under the shard lock: the writer settles an entry only after
		// its commit, so the file read here is never older than a write
		// that left the pending set. Sessions written recently have a
		// clean entry and never get here.
		h, found, err := s.storedHeader(rec.ID)
		if errors.Is(err, session.ErrStoreUnavailable) {
			sh.mu.Unlock()
			return err // the file, not the session: no reason to end it
		}
		if err != nil {
			sh.mu.Unlock()
			return fmt.Errorf("%w: session %s: %w", session.ErrSessionNotFound, rec.ID.Short(), err)
		}
		if !found {
			sh.mu.Unlock()
			return notFound(rec.ID)
		}
		cur = h.rev
	}
	if cur != rec.Rev-1 {
		sh.mu.Unlock()
		return fmt.Errorf("%w: stored revision %d, update based on %d", session.ErrConflict, cur, rec.Rev-1)
	}
	if err := s.admit(); err != nil {
		sh.mu.Unlock()
		return err
	}
	wake := s.pending.put(sh, rec.ID, &pendingWrite{rec: rec, value: v, lazy: lazy})
	sh.mu.Unlock()
	if s.opts.syncUpdates {
		return s.flushAll(ctx)
	}
	if wake {
		s.markDirty()
	}
	return nil
}

// Delete removes the session. Deleting a live session (its deadline not
// passed) is fsynced before Delete returns, so that an invalidated session
// cannot come back after a crash; deleting an expired one is written
// within the update window, so that sweeping many costs few commits.
func (s *Store) Delete(ctx context.Context, id session.ID) error {
	if err := s.checkWrite(ctx); err != nil {
		return err
	}
	sh := s.pending.shard(id)
	sh.mu.Lock()
	live := true // a corrupt header counts as live: delete it at once
	if w, ok := sh.m[id]; ok {
		if w.rec == nil {
			sh.mu.Unlock()
			return nil
		}
		live = w.rec.Deadline().After(s.opts.now())
	} else {
		h, found, err := s.storedHeader(id)
		if !found && err == nil {
			sh.mu.Unlock()
			return nil
		}
		if err == nil {
			live = timeFromSortable(h.deadline).After(s.opts.now())
		}
	}
	if err := s.admit(); err != nil {
		sh.mu.Unlock()
		return err
	}
	s.pending.put(sh, id, &pendingWrite{})
	sh.mu.Unlock()
	s.count.Add(-1)
	if s.opts.syncUpdates || live {
		return s.flushAll(context.WithoutCancel(ctx))
	}
	s.markDirty()
	return nil
}

// Flush makes id's pending write durable. It commits every pending write:
// one fsync costs the same for one session or many.
func (s *Store) Flush(ctx context.Context, id session.ID) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if s.readOnly || !s.pending.dirty(id) {
		return nil
	}
	return s.flushAll(ctx)
}

// Expired returns up to limit IDs of sessions whose deadline is not after
// before, earliest first, by walking the expiry index from its start: it
// costs O(result). Pending writes are committed first, so that the index
// reflects every moved deadline.
func (s *Store) Expired(ctx context.Context, before time.Time, limit int) ([]session.ID, error) {
	if err := s.checkRead(ctx); err != nil {
		return nil, err
	}
	end := sortableTime(before)
	var ids []session.ID
	err := s.view(func(tx *bbolt.Tx) error {
		sb := tx.Bucket(bucketSessions)
		c := tx.Bucket(bucketExpiry).Cursor()
		for k, _ := c.First(); k != nil && len(ids) < limit; k, _ = c.Next() {
			if len(k) != indexKeyLen {
				continue
			}
			if u64be(k[:8]) > end {
				break
			}
			var id session.ID
			copy(id[:], k[8:])
			if sb.Get(id[:]) == nil {
				continue // orphan index entry; Check reports it
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: walking the expiry index: %w", session.ErrStoreUnavailable, err)
	}
	return ids, nil
}
