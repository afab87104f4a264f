package bolt

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"
)

// TestCursorGetDelete_AreTheBucketsGetAndDeleteBetweenWrites: one cursor
// reused for look-ups and deletions, with the bucket written between its
// uses (as commitPending does in a transaction), reads and deletes what
// Bucket.Get and Bucket.Delete would, on a tree of several levels.
func TestCursorGetDelete_AreTheBucketsGetAndDeleteBetweenWrites(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	key := func(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)*7) }
	model := map[string][]byte{}
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		require.NoError(t, err)
		_, err = b.CreateBucket(key(3)) // a nested bucket: Get gives nil, Delete fails
		require.NoError(t, err)
		for n := range 3000 {
			if n == 3 {
				continue
			}
			v := bytes.Repeat([]byte{byte(n)}, 700)
			model[string(key(n))] = v
			require.NoError(t, b.Put(key(n), v))
		}
		return nil
	}))
	rng := rand.New(rand.NewPCG(1, 2))
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		require.Greater(t, b.Stats().Depth, 1, "a tree of several levels")
		c := b.Cursor()
		for i := range 20000 {
			n := rng.IntN(3300)
			k := key(n)
			if n == 3 {
				require.Nil(t, cursorGet(c, k))
				require.ErrorIs(t, cursorDelete(c, k), bbolt.ErrIncompatibleValue)
				continue
			}
			switch rng.IntN(3) {
			case 0:
				got := cursorGet(c, k)
				require.Equal(t, model[string(k)], got, "op %d: get %d", i, n)
				require.Equal(t, b.Get(k), got)
				// A key between two stored ones is not there.
				require.Nil(t, cursorGet(c, append(bytes.Clone(k), 0)))
			case 1:
				require.NoError(t, cursorDelete(c, k))
				delete(model, string(k))
				require.Nil(t, b.Get(k), "op %d: deleted %d", i, n)
			default:
				v := bytes.Repeat([]byte{byte(i)}, 1+rng.IntN(900))
				require.NoError(t, b.Put(k, v))
				model[string(k)] = v
			}
		}
		n := 0
		require.NoError(t, b.ForEach(func(k, v []byte) error {
			if v != nil {
				require.Equal(t, model[string(k)], v)
				n++
			}
			return nil
		}))
		require.Len(t, model, n, "no key lost or left")
		return nil
	}))
}
