package statetemplate

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/storage/bolt"
)

// otherData renders with the same template but is another type.
type otherData struct{ boltPage }

// countingHandler counts log records at Warn and above.
type countingHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.mu.Lock()
		h.msgs = append(h.msgs, r.Message)
		h.mu.Unlock()
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func boltTmpl() *template.Template { return template.Must(template.New("page").Parse(boltTemplate)) }

func TestBoltStore_UnregisteredTypeFailsAtCreateNamingTheType(t *testing.T) {
	defer goleak.VerifyNone(t)
	r, err := New(boltTmpl(), WithBoltStore(filepath.Join(t.TempDir(), "s.db")))
	require.NoError(t, err)
	defer r.Close()
	_, err = r.CreateSession(context.Background(), boltData(1, 0))
	require.ErrorIs(t, err, ErrUnregisteredType)
	require.Contains(t, err.Error(), "boltPage")
}

func TestBoltStore_UnrestorableRecordIsNotFoundLoggedOnceOthersWork(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	key := []byte("a configured 32-byte signing key")
	r, err := New(boltTmpl(), WithBoltStore(path), WithDataTypes(&boltPage{}, &otherData{}), WithSecurity(key))
	require.NoError(t, err)
	typed, err := r.CreateSession(ctx, boltData(1, 0))
	require.NoError(t, err)
	corrupt, err := r.CreateSession(ctx, boltData(2, 0))
	require.NoError(t, err)
	healthy, err := r.CreateSession(ctx, &otherData{*boltData(3, 0)})
	require.NoError(t, err)
	var corruptID string
	s, err := r.GetSession(corrupt)
	require.NoError(t, err)
	corruptID = s.ID()
	require.NoError(t, s.Close())
	require.NoError(t, r.Close())

	// Damage one record in place.
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("sessions"))
		id := mustHexID(t, corruptID)
		v := bytes.Clone(b.Get(id))
		for i := 20; i < len(v); i += 5 {
			v[i] ^= 0x5A
		}
		return b.Put(id, v)
	}))
	require.NoError(t, db.Close())

	// Reopen without *boltPage registered.
	logs := &countingHandler{}
	r, err = New(boltTmpl(), WithBoltStore(path), WithDataTypes(&otherData{}), WithSecurity(key), WithLogger(slog.New(logs)))
	require.NoError(t, err)
	defer r.Close()
	for range 3 {
		_, err = r.RenderPage(typed)
		require.ErrorIs(t, err, ErrSessionNotFound)
		require.ErrorIs(t, err, ErrUnregisteredType)
		_, err = r.RenderPage(corrupt)
		require.ErrorIs(t, err, ErrSessionNotFound)
	}
	page, err := r.RenderPage(healthy)
	require.NoError(t, err, "other sessions keep working")
	require.NotEmpty(t, page)
	logs.mu.Lock()
	defer logs.mu.Unlock()
	require.Len(t, logs.msgs, 2, "each unrestorable session is logged once: %v", logs.msgs)
}

func mustHexID(t *testing.T, s string) []byte {
	t.Helper()
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'a') + 10
			}
		}
		b[i] = v
	}
	return b
}

func TestBoltStore_SessionsExpireOnTimeAndSweepKeepsTheIndexConsistent(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	path := filepath.Join(t.TempDir(), "s.db")
	r, err := New(boltTmpl(), WithBoltStore(path, bolt.WithClock(clock)), WithDataTypes(&boltPage{}),
		WithExpiration(time.Hour), WithIdleTimeout(10*time.Minute), WithClock(clock))
	require.NoError(t, err)
	defer r.Close()
	var used, idle []string
	for i := range 20 {
		tok, err := r.CreateSession(ctx, boltData(i, 0))
		require.NoError(t, err)
		if i%2 == 0 {
			used = append(used, tok)
		} else {
			idle = append(idle, tok)
		}
	}
	advance(6 * time.Minute)
	for _, tok := range used {
		_, err := r.RenderPage(tok) // moves the idle deadline
		require.NoError(t, err)
	}
	advance(6 * time.Minute) // idle ones are past 10 minutes, used ones at 6
	for _, tok := range idle {
		require.False(t, r.ValidateToken(tok), "an idle session expires on time")
	}
	n, err := r.Sweep(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "ValidateToken already deleted the expired sessions")
	for _, tok := range used {
		require.True(t, r.ValidateToken(tok))
	}
	advance(time.Hour) // past the absolute expiry
	n, err = r.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, len(used), n)
	st, err := r.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st.Sessions)

	var buf bytes.Buffer
	require.NoError(t, r.Backup(&buf))
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, os.WriteFile(copyPath, buf.Bytes(), 0o600))
	ro, err := bolt.OpenReadOnly(copyPath, time.Second)
	require.NoError(t, err)
	defer ro.Close()
	rep, err := ro.Check(ctx)
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
	require.Zero(t, rep.IndexEntries)
}

func TestBoltStore_NewReturnsOpenErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	_, err := New(boltTmpl(), WithBoltStore(filepath.Join(dir, "missing", "s.db")))
	require.ErrorIs(t, err, ErrStoreUnavailable)
	require.ErrorIs(t, err, fs.ErrNotExist)

	path := filepath.Join(dir, "s.db")
	r, err := New(boltTmpl(), WithBoltStore(path))
	require.NoError(t, err)
	defer r.Close()
	_, err = New(boltTmpl(), WithBoltStore(path, bolt.WithOpenTimeout(50*time.Millisecond)))
	require.ErrorIs(t, err, bolt.ErrFileInUse)
	require.Contains(t, err.Error(), "in use by another process")

	_, err = New(boltTmpl(), WithBoltStore(""))
	require.ErrorIs(t, err, ErrInvalidOption)
	_, err = New(boltTmpl(), WithBoltStore(path), WithCacheBudget(0))
	require.ErrorIs(t, err, ErrInvalidOption)
}

func TestBoltStore_CompactAndBackupThroughTheRenderer(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	r, err := New(boltTmpl(), WithBoltStore(filepath.Join(t.TempDir(), "s.db")), WithDataTypes(&boltPage{}))
	require.NoError(t, err)
	defer r.Close()
	tok, err := r.CreateSession(ctx, boltData(1, 0))
	require.NoError(t, err)
	before, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.NoError(t, r.Compact(ctx))
	after, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.Equal(t, before, after)
	var buf bytes.Buffer
	require.NoError(t, r.Backup(&buf))
	require.Positive(t, buf.Len())
	st, err := r.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Sessions)
	require.Positive(t, st.File.FileSize)
	require.Positive(t, st.Cache.Hits+st.Cache.Misses, "the hot cache is consulted")

	mem, err := New(boltTmpl())
	require.NoError(t, err)
	defer mem.Close()
	require.True(t, errors.Is(mem.Backup(&buf), errors.ErrUnsupported))
	require.True(t, errors.Is(mem.Compact(ctx), errors.ErrUnsupported))
	require.False(t, strings.Contains(buf.String(), "\x00never"), "sanity")
}
