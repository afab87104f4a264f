package bolt

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/fault"
	"github.com/livefir/statetemplate/session"
)

// realRecord is a session as the renderer stores it: data, fragment state
// of a rendered page, an idle timeout, a template name.
func realRecord(t testing.TB) *session.Record {
	t.Helper()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := newRec(t, now, time.Hour, "flip-me")
	_, st, err := fragments.Diff(nil, []byte(`<body><h1 id="t">Tasks</h1><ul id="l"><li id="a">a</li><li id="b">b</li></ul></body>`))
	require.NoError(t, err)
	r.Fragments, r.IdleTimeout, r.Template, r.KeyID, r.TokenGen, r.Rev = st, time.Minute, "tasks", 0x5eed, 3, 12
	return r
}

// TestDecodeValue_EverySingleByteChangeIsDetected changes each byte of a
// stored value to each of its 255 other values: every one must fail the
// read as a corrupt record — none may decode to other session data.
func TestDecodeValue_EverySingleByteChangeIsDetected(t *testing.T) {
	r := realRecord(t)
	v, err := encodeValue(r)
	require.NoError(t, err)
	got, err := decodeValue(r.ID, v, false)
	require.NoError(t, err)
	require.Equal(t, r.Rev, got.Rev)

	undetected := 0
	fault.EachByteChange(v, func(flipped []byte, i int) {
		rec, err := decodeValue(r.ID, flipped, false)
		if err == nil {
			undetected++
			if undetected <= 5 {
				t.Errorf("byte %d of %d set to %#02x: decoded without error (rev %d, data %x)", i, len(v), flipped[i], rec.Rev, rec.Data)
			}
			return
		}
		require.ErrorIs(t, err, session.ErrCorruptRecord, "byte %d", i)
	})
	t.Logf("%d single-byte changes of a %d-byte value, %d undetected", len(v)*255, len(v), undetected)
	require.Zero(t, undetected, "of %d single-byte changes", len(v)*255)
}

// flipStored changes one byte of id's stored value in the file at path.
func flipStored(t *testing.T, path string, id session.ID, at int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		v := bytes.Clone(b.Get(id[:]))
		v[at%len(v)] ^= 0x01
		return b.Put(id[:], v)
	}))
	require.NoError(t, db.Close())
}

// TestFlippedByteInTheFile_FailsThatSessionsReadAndCheckFindsIt: through a
// real file, a flip anywhere in a record's value — its header, its
// checksum, its body — fails Get for that session alone, and Check lists it.
func TestFlippedByteInTheFile_FailsThatSessionsReadAndCheckFindsIt(t *testing.T) {
	ctx := context.Background()
	r := realRecord(t)
	v, err := encodeValue(r)
	require.NoError(t, err)
	for _, at := range []int{0, 3, 9, 13, 17, 19, 21, len(v) / 2, len(v) - 1} {
		path := filepath.Join(t.TempDir(), "s.db")
		s, err := Open(path)
		require.NoError(t, err)
		other := newRec(t, r.Created, time.Hour, "bystander")
		require.NoError(t, s.Create(ctx, r))
		require.NoError(t, s.Create(ctx, other))
		require.NoError(t, s.Close())

		flipStored(t, path, r.ID, at)

		s, err = Open(path)
		require.NoError(t, err)
		_, err = s.Get(ctx, r.ID)
		assert.ErrorIs(t, err, session.ErrCorruptRecord, "flip at byte %d", at)
		assert.ErrorIs(t, err, session.ErrSessionNotFound, "flip at byte %d", at)
		_, err = s.Get(ctx, other.ID)
		assert.NoError(t, err, "another session is unaffected")
		rep, err := s.Check(ctx)
		require.NoError(t, err)
		assert.Equal(t, []session.ID{r.ID}, rep.Corrupt, "flip at byte %d", at)
		require.NoError(t, s.Close())
	}
}

// copyLayout1 copies the layout-1 fixture (written by the build before
// checksums) to a temporary file.
func copyLayout1(t *testing.T) string {
	t.Helper()
	src, err := os.Open(filepath.Join("testdata", "layout1.db"))
	require.NoError(t, err)
	defer src.Close()
	path := filepath.Join(t.TempDir(), "layout1.db")
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
	return path
}

// layout1IDs are the fixture's sessions: id bytes all i, data Name
// "legacy-i", N i.
func layout1IDs() []session.ID {
	var ids []session.ID
	for i := 1; i <= 3; i++ {
		var id session.ID
		for j := range id {
			id[j] = byte(i)
		}
		ids = append(ids, id)
	}
	return ids
}

func requireLayout1Sessions(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	for i, id := range layout1IDs() {
		rec, err := s.Get(ctx, id)
		require.NoError(t, err, "session %d", i+1)
		var d testData
		require.NoError(t, session.DecodeData(rec.Data, &d))
		require.Equal(t, i+1, d.N)
		require.NotNil(t, rec.Fragments)
	}
	n, err := s.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
}

func TestLayout1File_IsReadAndUpgradedToChecksummedRecords(t *testing.T) {
	path := copyLayout1(t)
	ro, err := OpenReadOnly(path, time.Second)
	require.NoError(t, err, "a read-only open reads the old layout as it is")
	requireLayout1Sessions(t, ro)
	require.NoError(t, ro.Close())

	s, err := Open(path)
	require.NoError(t, err)
	requireLayout1Sessions(t, s)
	key, err := s.LoadOrCreateKey(context.Background(), func() []byte { t.Fatal("the stored key was lost"); return nil })
	require.NoError(t, err)
	require.Equal(t, "layout-1 fixture key, 32 bytes!!", string(key))
	require.Eventually(t, func() bool {
		st, err := s.Stats()
		return err == nil && st.LayoutVersion == LayoutVersion && !st.LegacyRecords
	}, 10*time.Second, 10*time.Millisecond, "the upgrade rewrites every record with its checksum")
	require.NoError(t, s.Close())

	s, err = Open(path)
	require.NoError(t, err)
	requireLayout1Sessions(t, s)
	rep, err := s.Check(context.Background())
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
	require.Zero(t, rep.Unchecksummed)

	// Every value now carries its checksum: a flip is detected.
	require.NoError(t, s.Close())
	flipStored(t, path, layout1IDs()[1], 30)
	s, err = Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.Get(context.Background(), layout1IDs()[1])
	require.ErrorIs(t, err, session.ErrCorruptRecord)
}
