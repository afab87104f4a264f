package bolt

import (
	"bytes"
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// LoadOrCreateKey returns the token signing key kept in the file, storing
// newKey() first when there is none. The renderer calls it only when the
// app configures no key (WithSecurity).
//
// The trade-off: tokens survive restarts with no configuration, but the
// key is only as secret as the file. Anyone who can read the file (or a
// backup of it) can forge tokens for its sessions. Production apps pass
// their own key, kept apart from the data, with WithSecurity.
func (s *Store) LoadOrCreateKey(ctx context.Context, newKey func() []byte) ([]byte, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var key []byte
	err := s.view(func(tx *bbolt.Tx) error {
		if k := tx.Bucket(bucketMeta).Get(metaKey); k != nil {
			key = bytes.Clone(k)
		}
		return nil
	})
	if err != nil || key != nil || s.readOnly {
		return key, err
	}
	fresh := newKey()
	err = s.update(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if k := meta.Get(metaKey); k != nil { // another opener won
			key = bytes.Clone(k)
			return nil
		}
		key = fresh
		return meta.Put(metaKey, fresh)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: storing the signing key: %w", session.ErrStoreUnavailable, err)
	}
	return key, nil
}
