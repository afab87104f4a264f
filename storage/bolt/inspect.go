package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/token"
)

// Stats describes the file. Computing it costs O(1): nothing is scanned.
type Stats struct {
	Path string
	// Sessions is the number of stored sessions (Count).
	Sessions int
	// PendingWrites is the number of accepted updates and deletions not
	// yet committed (always 0 for a read-only store).
	PendingWrites int
	// FileSize is the file's size in bytes; PageSize its page size.
	FileSize int64
	PageSize int
	// FreePages and PendingPages are bbolt's free pages (reusable now) and
	// pages freed by transactions still open; Compact returns them to the
	// file system.
	FreePages    int
	PendingPages int
	// LayoutVersion is the file's bucket layout version.
	LayoutVersion uint32
	// LegacyRecords is true while records written by layout 1, without a
	// checksum, may remain: a writable store rewrites them in the
	// background after Open.
	LegacyRecords bool
	// Created is when the file was initialised.
	Created time.Time
	// HasStoredKey reports whether the file keeps a token signing key, and
	// StoredKeyID is that key's id (as in Record.KeyID), never the key.
	HasStoredKey bool
	StoredKeyID  uint32
	// LongestWrite is the longest this store has held the write lock for
	// one transaction (fsync included) since it was opened.
	LongestWrite time.Duration
}

// Stats returns the file's statistics.
func (s *Store) Stats() (Stats, error) {
	if err := s.check(context.Background()); err != nil {
		return Stats{}, err
	}
	st := Stats{Path: s.path, Sessions: int(s.count.Load()), PendingWrites: int(s.pending.n.Load()),
		LongestWrite: time.Duration(s.longestWrite.Load())}
	err := s.view(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(metaLayout); len(v) == 4 {
			st.LayoutVersion = binary.BigEndian.Uint32(v)
		}
		st.LegacyRecords = s.legacy.Load()
		if v := meta.Get(metaCreated); v != nil {
			_ = st.Created.UnmarshalText(v)
		}
		if k := meta.Get(metaKey); k != nil {
			st.HasStoredKey = true
			if kr, err := token.NewKeyring(bytes.Clone(k)); err == nil {
				st.StoredKeyID = kr.CurrentKeyID()
			}
		}
		st.PageSize = tx.DB().Info().PageSize
		dbs := tx.DB().Stats()
		st.FreePages, st.PendingPages = dbs.FreePageN, dbs.PendingPageN
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("%w: %w", session.ErrStoreUnavailable, err)
	}
	if fi, err := os.Stat(s.path); err == nil {
		st.FileSize = fi.Size()
	}
	return st, nil
}

// ForEach calls fn for every stored session in ID order, inside one read
// transaction: raw is the CBOR record (a copy, fn may keep it), rec its
// decoding, err the decoding error (wrapping session.ErrCorruptRecord) when
// there is one — a corrupt record is reported, not skipped. rec.Value is
// nil: decode rec.Data with session.DecodeGeneric or a registered type.
// Pending writes of a writable store are committed first. An error from
// fn stops the walk and is returned.
func (s *Store) ForEach(ctx context.Context, fn func(id session.ID, raw []byte, rec *session.Record, err error) error) error {
	if err := s.checkRead(ctx); err != nil {
		return err
	}
	return s.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketSessions).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var id session.ID
			if len(k) != session.IDLen {
				if err := fn(id, bytes.Clone(v), nil, fmt.Errorf("%w: key of %d bytes", session.ErrCorruptRecord, len(k))); err != nil {
					return err
				}
				continue
			}
			copy(id[:], k)
			v = bytes.Clone(v)
			legacy := s.legacy.Load()
			rec, err := decodeValue(id, v, legacy)
			raw := v
			if h, herr := readHeader(v, legacy); herr == nil {
				raw = v[h.bodyOffset():] // the CBOR record, checksum verified or not
			}
			if err := fn(id, raw, rec, err); err != nil {
				return err
			}
		}
		return nil
	})
}

// WalkExpiry calls fn for every expiry index entry, earliest deadline
// first. Pending writes of a writable store are committed first. An error
// from fn stops the walk and is returned.
func (s *Store) WalkExpiry(ctx context.Context, fn func(deadline time.Time, id session.ID) error) error {
	if err := s.checkRead(ctx); err != nil {
		return err
	}
	return s.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketExpiry).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(k) != indexKeyLen {
				continue
			}
			var id session.ID
			copy(id[:], k[8:])
			if err := fn(timeFromSortable(u64be(k[:8])), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// CheckReport is the result of Check.
type CheckReport struct {
	Sessions     int // records in the sessions bucket
	IndexEntries int // entries in the expiry index
	StoredCount  int // the count kept in the meta bucket
	// Corrupt lists sessions whose value cannot be decoded.
	Corrupt []session.ID
	// Unindexed lists sessions with no index entry at their deadline;
	// Orphans lists index entries with no session at that deadline.
	Unindexed []session.ID
	Orphans   []session.ID
	// Unchecksummed counts records written before checksums (layout 1).
	Unchecksummed int
}

// Consistent reports whether index, sessions and count agree and no
// record is corrupt.
func (r CheckReport) Consistent() bool {
	return len(r.Corrupt) == 0 && len(r.Unindexed) == 0 && len(r.Orphans) == 0 &&
		r.Sessions == r.IndexEntries && r.Sessions == r.StoredCount
}

// Check walks the whole file and verifies that every session has exactly
// the index entry of its deadline, every index entry has its session, the
// stored count is right and every record decodes. It costs a full scan:
// for tools and tests, never on a request path.
func (s *Store) Check(ctx context.Context) (CheckReport, error) {
	var r CheckReport
	if err := s.checkRead(ctx); err != nil {
		return r, err
	}
	err := s.view(func(tx *bbolt.Tx) error {
		n, err := readCount(tx)
		if err != nil {
			return err
		}
		r.StoredCount = int(n)
		sb, ib := tx.Bucket(bucketSessions), tx.Bucket(bucketExpiry)
		legacy := s.legacy.Load()
		c := sb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			r.Sessions++
			var id session.ID
			copy(id[:], k)
			h, herr := readHeader(v, legacy)
			if _, err := decodeValue(id, bytes.Clone(v), legacy); err != nil || herr != nil {
				r.Corrupt = append(r.Corrupt, id)
				continue
			}
			if h.legacy {
				r.Unchecksummed++
			}
			if ib.Get(indexKey(h.deadline, id)) == nil {
				r.Unindexed = append(r.Unindexed, id)
			}
		}
		ic := ib.Cursor()
		for k, _ := ic.First(); k != nil; k, _ = ic.Next() {
			r.IndexEntries++
			var id session.ID
			if len(k) == indexKeyLen {
				copy(id[:], k[8:])
				if v := sb.Get(id[:]); v != nil {
					if h, err := readHeader(v, legacy); err == nil && h.deadline == u64be(k[:8]) {
						continue
					}
				}
			}
			r.Orphans = append(r.Orphans, id)
		}
		return ctx.Err()
	})
	return r, err
}
