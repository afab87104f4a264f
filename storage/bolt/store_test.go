package bolt

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/session/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store {
		s, err := Open(filepath.Join(t.TempDir(), "sessions.db"))
		require.NoError(t, err)
		return s
	})
}

func TestStoreContract_SyncUpdates(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store {
		s, err := Open(filepath.Join(t.TempDir(), "sessions.db"), WithSyncUpdates())
		require.NoError(t, err)
		return s
	})
}

type testData struct {
	Name string
	At   time.Time
	N    int
}

// newRec returns a revision-1 record whose deadline is now+ttl.
func newRec(t testing.TB, now time.Time, ttl time.Duration, name string) *session.Record {
	t.Helper()
	d := &testData{Name: name, At: now}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	return &session.Record{
		Format: session.FormatVersion, ID: session.NewID(), Rev: 1,
		Created: now, LastAccess: now, ExpiresAt: now.Add(ttl),
		DataType: session.TypeName(d), Data: enc, Value: d,
	}
}

func nextRev(t testing.TB, r *session.Record, n int) *session.Record {
	t.Helper()
	c := r.Clone()
	c.Rev++
	d := &testData{Name: r.Value.(*testData).Name, N: n}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	c.Data, c.Value = enc, d
	return c
}

func openTemp(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sessions.db")
	s, err := Open(path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func TestReopen_KeepsSessionsUpdatesCountAndKey(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t, WithUpdateWindow(time.Hour)) // only Close writes the updates
	now := time.Now().UTC()
	var latest []*session.Record
	for i := range 50 {
		r := newRec(t, now, time.Hour, "s")
		require.NoError(t, s.Create(ctx, r))
		u := nextRev(t, r, i)
		require.NoError(t, s.Update(ctx, u))
		latest = append(latest, u)
	}
	key, err := s.LoadOrCreateKey(ctx, func() []byte { return []byte("0123456789abcdef0123456789abcdef") })
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	n, err := s2.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, 50, n)
	for _, want := range latest {
		got, err := s2.Get(ctx, want.ID)
		require.NoError(t, err)
		wb, _ := session.EncodeRecord(want)
		gb, _ := session.EncodeRecord(got)
		require.Equal(t, wb, gb)
	}
	key2, err := s2.LoadOrCreateKey(ctx, func() []byte { panic("a stored key must be returned") })
	require.NoError(t, err)
	require.Equal(t, key, key2)
	rep, err := s2.Check(ctx)
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
}

func TestUpdate_IsWrittenWithinTheWindowAndCoalesced(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t, WithUpdateWindow(20*time.Millisecond))
	r := newRec(t, time.Now().UTC(), time.Hour, "w")
	require.NoError(t, s.Create(ctx, r))
	cur := r
	for i := range 10 {
		cur = nextRev(t, cur, i)
		require.NoError(t, s.Update(ctx, cur))
	}
	st, err := s.Stats()
	require.NoError(t, err)
	require.Equal(t, 1, st.PendingWrites, "ten updates of one session are one pending write")
	require.Eventually(t, func() bool { st, _ := s.Stats(); return st.PendingWrites == 0 }, 2*time.Second, 5*time.Millisecond)
	v, err := s.readValue(r.ID)
	require.NoError(t, err)
	h, err := readHeader(v, false)
	require.NoError(t, err)
	require.Equal(t, cur.Rev, h.rev, "the file holds the last update")
}

func TestFlush_WritesPendingUpdateNow(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t, WithUpdateWindow(time.Hour))
	r := newRec(t, time.Now().UTC(), time.Hour, "f")
	require.NoError(t, s.Create(ctx, r))
	u := nextRev(t, r, 7)
	require.NoError(t, s.Update(ctx, u))
	v, err := s.readValue(r.ID)
	require.NoError(t, err)
	h, _ := readHeader(v, false)
	require.Equal(t, uint64(1), h.rev, "the window has not passed")
	require.NoError(t, s.Flush(ctx, r.ID))
	v, err = s.readValue(r.ID)
	require.NoError(t, err)
	h, _ = readHeader(v, false)
	require.Equal(t, uint64(2), h.rev)
}

func TestDelete_LiveSessionIsOnDiskWhenDeleteReturns(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t, WithUpdateWindow(time.Hour))
	r := newRec(t, time.Now().UTC(), time.Hour, "d")
	require.NoError(t, s.Create(ctx, r))
	require.NoError(t, s.Delete(ctx, r.ID))
	v, err := s.readValue(r.ID)
	require.NoError(t, err)
	require.Nil(t, v, "an invalidated session must not survive a crash")
}

func TestDelete_ExpiredSessionWaitsForTheWindowButIsGoneAtOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t, WithUpdateWindow(time.Hour))
	r := newRec(t, time.Now().UTC().Add(-2*time.Hour), time.Hour, "e") // expired an hour ago
	require.NoError(t, s.Create(ctx, r))
	require.NoError(t, s.Delete(ctx, r.ID))
	_, err := s.Get(ctx, r.ID)
	require.ErrorIs(t, err, session.ErrSessionNotFound)
	v, err := s.readValue(r.ID)
	require.NoError(t, err)
	require.NotNil(t, v, "the deletion waits for the window")
	n, _ := s.Count(ctx)
	require.Zero(t, n)
	ids, err := s.Expired(ctx, time.Now(), 10) // commits pending writes first
	require.NoError(t, err)
	require.Empty(t, ids)
	v, err = s.readValue(r.ID)
	require.NoError(t, err)
	require.Nil(t, v)
}

func TestFiles_AreCreatedPrivate(t *testing.T) {
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestUpdate_RecentlyWrittenSessionsStayInMemoryBriefly(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t, WithUpdateWindow(10*time.Millisecond))
	r := newRec(t, time.Now().UTC(), time.Hour, "hot")
	require.NoError(t, s.Create(ctx, r))
	u := nextRev(t, r, 1)
	require.NoError(t, s.Update(ctx, u))
	require.Eventually(t, func() bool { return s.pending.n.Load() == 0 }, 2*time.Second, time.Millisecond)
	// Committed, and kept: the next update's compare-and-set needs no read.
	require.LessOrEqual(t, s.pending.kept.Load(), int64(1))
	require.Eventually(t, func() bool { return s.pending.kept.Load() == 0 }, 2*time.Second, time.Millisecond,
		"clean entries leave after two more windows")
	got, err := s.Get(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, u.Rev, got.Rev)
	require.Nil(t, got.Value, "read back from the file")
	u2 := nextRev(t, u, 2)
	require.NoError(t, s.Update(ctx, u2))
	require.ErrorIs(t, s.Update(ctx, u2), session.ErrConflict)
}
