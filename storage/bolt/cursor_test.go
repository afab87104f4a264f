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

// TestCursorGetDelete_EdgesOfTheTree: through one cursor, an empty
// bucket, keys that are prefixes of others (and extend them), and keys
// around pages emptied within the transaction — a run of keys deleted
// across whole pages, the bucket's last keys deleted — read and delete
// as Bucket.Get and Bucket.Delete do.
func TestCursorGetDelete_EdgesOfTheTree(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "e.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	key := func(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)*4) }
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		e, err := tx.CreateBucket([]byte("empty"))
		require.NoError(t, err)
		c := e.Cursor()
		for _, k := range [][]byte{{0}, key(1), {0xff, 0xff, 0xff, 0xff, 0xff}} {
			require.Nil(t, cursorGet(c, k))
			require.NoError(t, cursorDelete(c, k))
		}

		p, err := tx.CreateBucket([]byte("prefixes"))
		require.NoError(t, err)
		for _, k := range []string{"a", "ab", "abc", "b"} {
			require.NoError(t, p.Put([]byte(k), []byte("v"+k)))
		}
		c = p.Cursor()
		for _, k := range []string{"a", "ab", "abc", "b", "", "aa", "abcd", "abd", "c"} {
			require.Equal(t, p.Get([]byte(k)), cursorGet(c, []byte(k)), "get %q", k)
		}
		require.NoError(t, cursorDelete(c, []byte("ab")))
		require.NoError(t, cursorDelete(c, []byte("abcd")), "a key extending a stored one is not there")
		require.Equal(t, []byte("va"), cursorGet(c, []byte("a")))
		require.Nil(t, cursorGet(c, []byte("ab")))
		require.Equal(t, []byte("vabc"), cursorGet(c, []byte("abc")))
		require.Equal(t, []byte("vb"), cursorGet(c, []byte("b")), "deleting the key after abcd's place left it")

		b, err := tx.CreateBucket([]byte("pages"))
		require.NoError(t, err)
		for n := range 600 {
			require.NoError(t, b.Put(key(n), bytes.Repeat([]byte{byte(n)}, 700)))
		}
		return nil
	}))
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("pages"))
		require.Greater(t, b.Stats().LeafPageN, 20, "a few keys a page")
		c := b.Cursor()
		gone := map[int]bool{}
		for n := 200; n < 260; n++ { // whole pages emptied in the middle
			require.NoError(t, cursorDelete(c, key(n)))
			gone[n] = true
		}
		for n := 560; n < 600; n++ { // and at the end of the bucket
			require.NoError(t, cursorDelete(c, key(n)))
			gone[n] = true
		}
		for n := 190; n < 610; n++ {
			if n >= 270 && n < 550 {
				continue
			}
			for _, k := range [][]byte{key(n), append(key(n), 0), key(n)[:3]} {
				want := b.Get(k)
				require.Equal(t, want, cursorGet(c, k), "get %x", k)
			}
			if n < 600 {
				require.Equal(t, !gone[n], cursorGet(c, key(n)) != nil, "key %d", n)
			}
		}
		require.NoError(t, cursorDelete(c, key(199)), "the key before the emptied pages")
		require.Nil(t, b.Get(key(199)))
		require.NotNil(t, b.Get(key(260)))
		k, _ := c.Seek(key(199))
		require.Equal(t, key(260), k, "the next key left is after the emptied pages")
		return nil
	}))
}
