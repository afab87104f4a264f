package bolt

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

func TestOpen_FailsClearly(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T) string // returns the path to open
		want  []error
		msg   string
	}{
		{
			name:  "missing directory",
			setup: func(t *testing.T) string { return filepath.Join(t.TempDir(), "no", "such", "dir", "s.db") },
			want:  []error{fs.ErrNotExist, session.ErrStoreUnavailable},
			msg:   "directory",
		},
		{
			name: "parent is a file",
			setup: func(t *testing.T) string {
				f := filepath.Join(t.TempDir(), "file")
				require.NoError(t, os.WriteFile(f, []byte("x"), 0o600))
				return filepath.Join(f, "s.db")
			},
			want: []error{session.ErrStoreUnavailable},
			msg:  "not a directory",
		},
		{
			// sysfs refuses new files even to root, unlike a chmod'ed directory.
			name:  "unwritable directory",
			setup: func(*testing.T) string { return "/sys/statetemplate-test-sessions.db" },
			want:  []error{fs.ErrPermission, session.ErrStoreUnavailable},
			msg:   "cannot open the session file",
		},
		{
			name:  "path is a directory (unwritable)",
			setup: func(t *testing.T) string { return t.TempDir() },
			want:  []error{session.ErrStoreUnavailable},
			msg:   "not a regular file",
		},
		{
			name: "held by another opener",
			setup: func(t *testing.T) string {
				s, path := openTemp(t)
				_ = s
				return path
			},
			want: []error{ErrFileInUse, session.ErrStoreUnavailable},
			msg:  "in use by another process",
		},
		{
			name: "foreign file",
			setup: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "s.db")
				junk := make([]byte, 64<<10)
				for i := range junk {
					junk[i] = byte(i * 7)
				}
				require.NoError(t, os.WriteFile(p, junk, 0o600))
				return p
			},
			want: []error{ErrNotSessionFile, session.ErrStoreUnavailable},
		},
		{
			// A new file is never left empty (Open creates it complete, or
			// not at all): an empty one was truncated, and must not be
			// silently made a new session file with a new signing key.
			name: "empty file",
			setup: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "s.db")
				require.NoError(t, os.WriteFile(p, nil, 0o600))
				return p
			},
			want: []error{ErrNotSessionFile, session.ErrStoreUnavailable},
			msg:  "empty (0 bytes)",
		},
		{
			name: "tiny file",
			setup: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "s.db")
				require.NoError(t, os.WriteFile(p, []byte("hello"), 0o600))
				return p
			},
			want: []error{ErrNotSessionFile},
		},
		{
			name: "truncated session file",
			setup: func(t *testing.T) string {
				s, path := openTemp(t)
				ctx := context.Background()
				for range 300 {
					require.NoError(t, s.Create(ctx, newRec(t, time.Now().UTC(), time.Hour, "padding padding padding")))
				}
				require.NoError(t, s.Close())
				fi, err := os.Stat(path)
				require.NoError(t, err)
				require.NoError(t, os.Truncate(path, fi.Size()/2))
				return path
			},
			want: []error{ErrNotSessionFile},
			msg:  "truncated",
		},
		{
			name: "another bbolt database",
			setup: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "s.db")
				db, err := bbolt.Open(p, 0o600, nil)
				require.NoError(t, err)
				require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
					_, err := tx.CreateBucket([]byte("users"))
					return err
				}))
				require.NoError(t, db.Close())
				return p
			},
			want: []error{ErrNotSessionFile},
			msg:  "without the \"meta\" bucket",
		},
		{
			name: "newer layout",
			setup: func(t *testing.T) string {
				s, path := openTemp(t)
				require.NoError(t, s.update(func(tx *bbolt.Tx) error {
					return tx.Bucket(bucketMeta).Put(metaLayout, []byte{0, 0, 0, 9})
				}))
				require.NoError(t, s.Close())
				return path
			},
			want: []error{ErrNotSessionFile},
			msg:  "layout version 9",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.setup(t)
			s, err := Open(path, WithOpenTimeout(100*time.Millisecond))
			if s != nil {
				s.Close()
			}
			require.Error(t, err)
			for _, w := range tc.want {
				require.ErrorIs(t, err, w)
			}
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestOpenReadOnly_FailsWhileAWriterHoldsTheFile(t *testing.T) {
	_, path := openTemp(t)
	_, err := OpenReadOnly(path, 100*time.Millisecond)
	require.ErrorIs(t, err, ErrFileInUse)
}

func TestGet_CorruptRecordFailsOnlyThatSession(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Now().UTC()
	var recs []*session.Record
	for range 5 {
		r := newRec(t, now, time.Hour, "c")
		require.NoError(t, s.Create(ctx, r))
		recs = append(recs, r)
	}
	damage := map[string]func(v []byte) []byte{
		"flipped bytes": func(v []byte) []byte {
			c := append([]byte(nil), v...)
			for i := headerLen + session.ChecksumLen; i < len(c); i += 3 {
				c[i] ^= 0xA5
			}
			return c
		},
		"truncated": func(v []byte) []byte { return append([]byte(nil), v[:len(v)/2]...) },
		"no header": func([]byte) []byte { return []byte{1, 2, 3} },
		"another session's record": func([]byte) []byte {
			v, err := encodeValue(newRec(t, now, time.Hour, "other"))
			require.NoError(t, err)
			return v
		},
	}
	victims := map[string]*session.Record{}
	i := 0
	for name, f := range damage {
		r := recs[i]
		i++
		victims[name] = r
		require.NoError(t, s.update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketSessions)
			return b.Put(r.ID[:], f(b.Get(r.ID[:])))
		}))
	}
	for name, r := range victims {
		_, err := s.Get(ctx, r.ID)
		require.ErrorIs(t, err, session.ErrSessionNotFound, name)
		require.ErrorIs(t, err, session.ErrCorruptRecord, name)
	}
	healthy := recs[4]
	got, err := s.Get(ctx, healthy.ID)
	require.NoError(t, err)
	require.Equal(t, healthy.Data, got.Data)

	var corrupt int
	require.NoError(t, s.ForEach(ctx, func(id session.ID, raw []byte, rec *session.Record, err error) error {
		if err != nil {
			require.ErrorIs(t, err, session.ErrCorruptRecord)
			corrupt++
		}
		return nil
	}))
	require.Equal(t, 4, corrupt, "ForEach reports corrupt records rather than skipping them")
}

func TestOpenReadOnly_EmptyFileIsNotASessionFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.db")
	require.NoError(t, os.WriteFile(p, nil, 0o600))
	_, err := OpenReadOnly(p, 100*time.Millisecond)
	require.ErrorIs(t, err, ErrNotSessionFile)
	require.ErrorContains(t, err, p)
	require.ErrorContains(t, err, "empty (0 bytes)")
}

// TestOpen_NewFileAppearsCompleteAndNothingElseIsLeft: the file is made
// under another name and linked into place once initialised, so that a
// crash never leaves an empty or half-made session file at the path.
func TestOpen_NewFileAppearsCompleteAndNothingElseIsLeft(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sessions.db")
	s, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Create(context.Background(), newRec(t, time.Now().UTC(), time.Hour, "x")))
	require.NoError(t, s.Close())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left")
	ro, err := OpenReadOnly(path, time.Second)
	require.NoError(t, err)
	defer ro.Close()
	st, err := ro.Stats()
	require.NoError(t, err)
	require.Equal(t, uint32(LayoutVersion), st.LayoutVersion)
	require.Equal(t, 1, st.Sessions)
}

// TestOpen_ConcurrentOpenersOfANewPathShareOneFile: two stores racing to
// create one path end up on the same file: the loser waits for the lock.
func TestOpen_ConcurrentOpenersOfANewPathShareOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	errs := make(chan error, 2)
	stores := make(chan *Store, 2)
	for range 2 {
		go func() {
			s, err := Open(path, WithOpenTimeout(5*time.Second))
			if err == nil {
				_ = s.Create(context.Background(), newRec(t, time.Now().UTC(), time.Hour, "racer"))
				_ = s.Close()
			}
			errs <- err
			stores <- s
		}()
	}
	for range 2 {
		require.NoError(t, <-errs)
		<-stores
	}
	ro, err := OpenReadOnly(path, time.Second)
	require.NoError(t, err)
	defer ro.Close()
	n, err := ro.Count(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, n, "both wrote into the one file at the path")
}
