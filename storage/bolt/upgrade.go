package bolt

import (
	"bytes"
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// upgradeBatch bounds the values one upgrade transaction rewrites.
const upgradeBatch = 1024

// upgrade rewrites the layout-1 values of the file with their checksum,
// in transactions of upgradeBatch values run by the writer between other
// writes, and then clears the file's legacy mark. It runs in the
// background from Open; Close stops it, and the next Open resumes it.
func (s *Store) upgrade() {
	var after []byte
	for {
		var (
			next []byte
			done bool
		)
		err := s.submit(context.Background(), &op{kind: opExclusive, fn: func() (err error) {
			next, done, err = s.upgradeStep(after)
			return err
		}})
		switch {
		case err != nil && s.closed.Load():
			return
		case err != nil:
			s.opts.logger.Warn("statetemplate: upgrading the session file's records to checksummed ones stopped; the next open resumes it",
				"file", s.path, "err", err)
			return
		case done:
			s.legacy.Store(false)
			return
		}
		after = next
	}
}

// upgradeStep rewrites up to upgradeBatch layout-1 values after the key
// after, and returns the last key it looked at and whether none is left,
// in which case the legacy mark is cleared in the same transaction. A
// layout-1 value that does not decode is left as it is: it is reported
// as corrupt either way, and a fresh checksum must not vouch for it.
func (s *Store) upgradeStep(after []byte) (last []byte, done bool, err error) {
	err = s.update(func(tx *bbolt.Tx) error {
		type kv struct{ k, v []byte }
		var rewrite []kv
		c := tx.Bucket(bucketSessions).Cursor()
		k, v := c.Seek(after)
		if k != nil && after != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
		seen := 0
		for ; k != nil && seen < upgradeBatch; k, v = c.Next() {
			seen++
			last = bytes.Clone(k)
			h, err := readHeader(v, true)
			if err != nil || !h.legacy || len(k) != session.IDLen {
				continue
			}
			var id session.ID
			copy(id[:], k)
			if _, err := decodeValue(id, bytes.Clone(v), true); err != nil {
				continue
			}
			vh := valueHeader(h.deadline, h.rev)
			rewrite = append(rewrite, kv{bytes.Clone(k), session.SealValue(vh[:], v[h.bodyOffset():])})
		}
		done = k == nil
		sb := tx.Bucket(bucketSessions)
		for _, e := range rewrite {
			if err := sb.Put(e.k, e.v); err != nil {
				return err
			}
		}
		if done {
			return tx.Bucket(bucketMeta).Delete(metaLegacy)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("bolt: upgrading %s: %w", s.path, err)
	}
	return last, done, nil
}
