package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
)

// NewStore returns an empty, open store for one subtest. Run closes it
// when the subtest ends; a second Close must not panic.
type NewStore func(t *testing.T) session.Store

// Run runs the contract suite against the stores newStore returns, each
// case on a fresh store.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, s session.Store)
	}{
		{"Create_ThenGetReturnsEveryField", testCreateGet},
		{"Create_DuplicateIDFailsWithErrSessionIDExistsAndKeepsOriginal", testCreateDuplicate},
		{"Get_MissingFailsWithErrSessionNotFound", testGetMissing},
		{"Update_NextRevisionReplacesRecord", testUpdate},
		{"Update_StaleOrSkippedRevisionFailsWithErrConflictAndKeepsRecord", testUpdateConflict},
		{"Update_MissingFailsWithErrSessionNotFound", testUpdateMissing},
		{"Update_ConcurrentWritersOfOneRevisionExactlyOneWins", testUpdateRace},
		{"Delete_RemovesRecord", testDelete},
		{"Delete_MissingIsNotAnError", testDeleteMissing},
		{"Count_CountsStoredRecords", testCount},
		{"Expiry_DueRecordsAreListedEarliestFirstOrDroppedByTheStore", testExpiry},
		{"Expiry_IdleDeadlineMovesAsUpdatesMoveIt", testExpiryIdle},
		{"Expired_OmitsDeletedRecords", testExpiredDeleted},
		{"HealthCheck_OpenStoreIsHealthy", testHealthy},
		{"Close_LaterCallsFailWithErrStoreUnavailable", testClosed},
		{"Context_DoneContextFailsAndChangesNothing", testContextDone},
		{"ConcurrentUse_KeepsRecordsApart", testConcurrent},
		{"KeyKeeper_LoadOrCreateKeyKeepsFirstKey", testKeyKeeper},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			require.NotNil(t, s, "newStore returned nil")
			t.Cleanup(func() { _ = s.Close() })
			c.run(t, s)
		})
	}
}

// base is a time in the near future of the real clock, so that stores
// which also let their backend expire keys (Redis TTLs) keep every record
// of a case alive while it runs. Millisecond precision suits every backend.
func base() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// data is the session data of a test record: a marker unique to it.
type data struct {
	Marker string
	N      int
}

// newRecord returns a valid revision-1 record expiring a day after now.
func newRecord(t *testing.T, now time.Time, marker string) *session.Record {
	t.Helper()
	d := &data{Marker: marker}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	return &session.Record{
		Format:     session.FormatVersion,
		ID:         session.NewID(),
		KeyID:      0xC0FFEE,
		Rev:        1,
		Created:    now,
		LastAccess: now,
		ExpiresAt:  now.Add(24 * time.Hour),
		DataType:   session.TypeName(d),
		Data:       enc,
		Value:      d,
	}
}

// next returns the revision after r with new data.
func next(t *testing.T, r *session.Record, n int) *session.Record {
	t.Helper()
	c := r.Clone()
	c.Rev++
	d := &data{Marker: r.Value.(*data).Marker, N: n}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	c.Data, c.Value = enc, d
	return c
}

// requireSame fails unless got holds exactly what want does: every
// persisted field byte for byte, and Value too for an in-process store.
func requireSame(t *testing.T, s session.Store, want, got *session.Record) {
	t.Helper()
	require.NotNil(t, got)
	wb, err := session.EncodeRecord(want)
	require.NoError(t, err)
	gb, err := session.EncodeRecord(got)
	require.NoError(t, err)
	require.Equal(t, wb, gb, "stored record differs from the one written (ID %s)", want.ID.Short())
	require.True(t, want.ExpiresAt.Equal(got.ExpiresAt))
	if !session.IsDurable(s) {
		require.Equal(t, want.Value, got.Value, "a store that is not Durable must return Record.Value")
	}
}

func mustCreate(t *testing.T, s session.Store, r *session.Record) {
	t.Helper()
	require.NoError(t, s.Create(context.Background(), r))
}

func mustGet(t *testing.T, s session.Store, id session.ID) *session.Record {
	t.Helper()
	r, err := s.Get(context.Background(), id)
	require.NoError(t, err)
	return r
}

func testCreateGet(t *testing.T, s session.Store) {
	now := base()
	r := newRecord(t, now, "create-get")
	r.TokenGen = 3
	r.IdleTimeout = 90 * time.Minute
	r.Created = now.Add(-time.Hour)
	_, st, err := fragments.Diff(nil, []byte(`<main><p id="m">create-get</p></main>`))
	require.NoError(t, err)
	r.Fragments = st
	mustCreate(t, s, r)
	requireSame(t, s, r, mustGet(t, s, r.ID))
}

func testCreateDuplicate(t *testing.T, s session.Store) {
	now := base()
	first := newRecord(t, now, "first")
	mustCreate(t, s, first)
	dup := newRecord(t, now, "second")
	dup.ID = first.ID
	err := s.Create(context.Background(), dup)
	require.ErrorIs(t, err, session.ErrSessionIDExists)
	requireSame(t, s, first, mustGet(t, s, first.ID))
	n, err := s.Count(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func testGetMissing(t *testing.T, s session.Store) {
	mustCreate(t, s, newRecord(t, base(), "other"))
	_, err := s.Get(context.Background(), session.NewID())
	require.ErrorIs(t, err, session.ErrSessionNotFound)
}

func testUpdate(t *testing.T, s session.Store) {
	now := base()
	r := newRecord(t, now, "update")
	mustCreate(t, s, r)
	r2 := next(t, r, 1)
	r2.LastAccess = now.Add(time.Minute)
	require.NoError(t, s.Update(context.Background(), r2))
	requireSame(t, s, r2, mustGet(t, s, r.ID))
	r3 := next(t, r2, 2)
	r3.TokenGen++
	require.NoError(t, s.Update(context.Background(), r3))
	requireSame(t, s, r3, mustGet(t, s, r.ID))
}

func testUpdateConflict(t *testing.T, s session.Store) {
	r := newRecord(t, base(), "conflict")
	mustCreate(t, s, r)
	r2 := next(t, r, 1)
	require.NoError(t, s.Update(context.Background(), r2))
	for _, tc := range []struct {
		name string
		rev  uint64
	}{
		{"based on the revision before the stored one", r2.Rev},
		{"based on a revision never stored", r2.Rev + 2},
		{"equal to the first revision", r.Rev},
	} {
		bad := next(t, r, 99)
		bad.Rev = tc.rev
		err := s.Update(context.Background(), bad)
		require.ErrorIs(t, err, session.ErrConflict, tc.name)
		requireSame(t, s, r2, mustGet(t, s, r.ID))
	}
}

func testUpdateMissing(t *testing.T, s session.Store) {
	r := newRecord(t, base(), "missing")
	err := s.Update(context.Background(), next(t, r, 1))
	require.ErrorIs(t, err, session.ErrSessionNotFound)
	_, err = s.Get(context.Background(), r.ID)
	require.ErrorIs(t, err, session.ErrSessionNotFound, "a failed Update must not create the record")
}

func testUpdateRace(t *testing.T, s session.Store) {
	r := newRecord(t, base(), "race")
	mustCreate(t, s, r)
	const writers = 16
	errs := make([]error, writers)
	recs := make([]*session.Record, writers)
	for i := range recs {
		recs[i] = next(t, r, i+1)
	}
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() { errs[i] = s.Update(context.Background(), recs[i]) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "two updates of revision 2 both succeeded")
			winner = i
			continue
		}
		require.ErrorIs(t, err, session.ErrConflict)
	}
	require.NotEqual(t, -1, winner, "no update succeeded")
	requireSame(t, s, recs[winner], mustGet(t, s, r.ID))
}

func testDelete(t *testing.T, s session.Store) {
	now := base()
	gone, kept := newRecord(t, now, "gone"), newRecord(t, now, "kept")
	mustCreate(t, s, gone)
	mustCreate(t, s, kept)
	require.NoError(t, s.Delete(context.Background(), gone.ID))
	_, err := s.Get(context.Background(), gone.ID)
	require.ErrorIs(t, err, session.ErrSessionNotFound)
	requireSame(t, s, kept, mustGet(t, s, kept.ID))
	// The ID is free again.
	again := newRecord(t, now, "again")
	again.ID = gone.ID
	mustCreate(t, s, again)
	requireSame(t, s, again, mustGet(t, s, gone.ID))
}

func testDeleteMissing(t *testing.T, s session.Store) {
	r := newRecord(t, base(), "twice")
	mustCreate(t, s, r)
	require.NoError(t, s.Delete(context.Background(), r.ID))
	require.NoError(t, s.Delete(context.Background(), r.ID))
	require.NoError(t, s.Delete(context.Background(), session.NewID()))
}

func testCount(t *testing.T, s session.Store) {
	ctx := context.Background()
	count := func() int {
		t.Helper()
		n, err := s.Count(ctx)
		require.NoError(t, err)
		return n
	}
	require.Equal(t, 0, count(), "a new store is empty")
	now := base()
	var recs []*session.Record
	for i := range 5 {
		r := newRecord(t, now, fmt.Sprint("count-", i))
		mustCreate(t, s, r)
		recs = append(recs, r)
	}
	require.Equal(t, 5, count())
	require.NoError(t, s.Update(ctx, next(t, recs[0], 1)))
	require.Equal(t, 5, count(), "Update does not change the count")
	require.NoError(t, s.Delete(ctx, recs[1].ID))
	require.NoError(t, s.Delete(ctx, recs[2].ID))
	require.Equal(t, 3, count())
	require.NoError(t, s.Delete(ctx, recs[2].ID))
	require.Equal(t, 3, count(), "deleting a missing record does not change the count")
	dup := newRecord(t, now, "dup")
	dup.ID = recs[3].ID
	require.Error(t, s.Create(ctx, dup))
	require.Equal(t, 3, count(), "a refused Create does not change the count")
}

// testExpiry checks the listing of an indexed store, or the expiry of a
// store that drops records at their deadline by itself.
func testExpiry(t *testing.T, s session.Store) {
	if session.ExpiresRecords(s) {
		testSelfExpiry(t, s)
		return
	}
	testExpiredOrder(t, s)
}

func testExpiryIdle(t *testing.T, s session.Store) {
	if session.ExpiresRecords(s) {
		testSelfExpiryIdle(t, s)
		return
	}
	testExpiredIdle(t, s)
}

// gone waits, up to 10s past deadline, until the store no longer holds id.
func gone(t *testing.T, s session.Store, id session.ID, deadline time.Time) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, err := s.Get(context.Background(), id)
		return errors.Is(err, session.ErrSessionNotFound)
	}, time.Until(deadline)+10*time.Second, 10*time.Millisecond, "the record outlived its deadline")
}

func testSelfExpiry(t *testing.T, s session.Store) {
	ctx := context.Background()
	now := base()
	due := newRecord(t, now, "due")
	due.ExpiresAt = now.Add(300 * time.Millisecond)
	mustCreate(t, s, due)
	far := newRecord(t, now, "far")
	mustCreate(t, s, far)

	gone(t, s, due.ID, due.ExpiresAt)
	got, err := s.Get(ctx, far.ID)
	require.NoError(t, err, "a record before its deadline stays")
	require.Equal(t, far.Rev, got.Rev)
	ids, err := s.Expired(ctx, now.Add(48*time.Hour), 10)
	require.NoError(t, err)
	require.Empty(t, ids, "a self-expiring store leaves nothing to sweep")
	n, err := s.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "an expired record is not counted")
	require.ErrorIs(t, s.Update(ctx, next(t, due, 1)), session.ErrSessionNotFound, "nor updated")
}

func testSelfExpiryIdle(t *testing.T, s session.Store) {
	ctx := context.Background()
	now := base()
	r := newRecord(t, now, "idle")
	r.IdleTimeout = 500 * time.Millisecond
	mustCreate(t, s, r)
	r2 := next(t, r, 1)
	r2.LastAccess = now.Add(3 * time.Second) // deadline now+3.5s
	require.NoError(t, s.Update(ctx, r2))
	time.Sleep(time.Until(now.Add(time.Second)))
	got, err := s.Get(ctx, r.ID)
	require.NoError(t, err, "an access moved the idle deadline later")
	require.Equal(t, r2.Rev, got.Rev)

	r3 := next(t, r2, 2)
	r3.LastAccess, r3.IdleTimeout = now, 1200*time.Millisecond // deadline back to now+1.2s
	require.NoError(t, s.Update(ctx, r3))
	gone(t, s, r.ID, r3.Deadline())
}

func testExpiredOrder(t *testing.T, s session.Store) {
	ctx := context.Background()
	now := base()
	// Deadlines now+1m … now+5m, created out of order, and one far off.
	recs := make([]*session.Record, 5)
	for _, i := range []int{3, 0, 4, 2, 1} {
		r := newRecord(t, now, fmt.Sprint("due-", i))
		r.ExpiresAt = now.Add(time.Duration(i+1) * time.Minute)
		mustCreate(t, s, r)
		recs[i] = r
	}
	far := newRecord(t, now, "far")
	mustCreate(t, s, far)
	ids := func(rs ...*session.Record) []session.ID {
		out := []session.ID{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		before time.Time
		limit  int
		want   []session.ID
	}{
		{"nothing due yet", now, 10, ids()},
		{"deadline equal to before is due", now.Add(3 * time.Minute), 10, ids(recs[0], recs[1], recs[2])},
		{"limit keeps the earliest", now.Add(10 * time.Minute), 2, ids(recs[0], recs[1])},
		{"all due, far one excluded", now.Add(10 * time.Minute), 100, ids(recs...)},
		{"everything due", now.Add(48 * time.Hour), 100, append(ids(recs...), far.ID)},
	} {
		got, err := s.Expired(ctx, tc.before, tc.limit)
		require.NoError(t, err, tc.name)
		if len(tc.want) == 0 {
			require.Empty(t, got, tc.name)
			continue
		}
		require.Equal(t, tc.want, got, tc.name)
	}
	n, err := s.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, 6, n, "Expired lists, it does not delete")
}

func testExpiredIdle(t *testing.T, s session.Store) {
	ctx := context.Background()
	now := base()
	r := newRecord(t, now, "idle")
	r.IdleTimeout = 10 * time.Minute
	mustCreate(t, s, r)
	due := func(at time.Time) bool {
		t.Helper()
		got, err := s.Expired(ctx, at, 10)
		require.NoError(t, err)
		return assert.ObjectsAreEqual([]session.ID{r.ID}, got)
	}
	require.False(t, due(now.Add(9*time.Minute)))
	require.True(t, due(now.Add(10*time.Minute)), "deadline is LastAccess+IdleTimeout")

	r2 := next(t, r, 1)
	r2.LastAccess = now.Add(5 * time.Minute)
	require.NoError(t, s.Update(ctx, r2))
	require.False(t, due(now.Add(10*time.Minute)), "access moved the deadline later")
	require.True(t, due(now.Add(15*time.Minute)))

	r3 := next(t, r2, 2)
	r3.IdleTimeout = time.Minute
	require.NoError(t, s.Update(ctx, r3))
	require.True(t, due(now.Add(6*time.Minute)), "a shorter idle timeout moved the deadline earlier")
	require.False(t, due(now.Add(5*time.Minute+59*time.Second)))
}

func testExpiredDeleted(t *testing.T, s session.Store) {
	ctx := context.Background()
	now := base()
	a, b := newRecord(t, now, "a"), newRecord(t, now, "b")
	a.ExpiresAt, b.ExpiresAt = now.Add(time.Minute), now.Add(2*time.Minute)
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	require.NoError(t, s.Delete(ctx, a.ID))
	got, err := s.Expired(ctx, now.Add(time.Hour), 10)
	require.NoError(t, err)
	want := []session.ID{b.ID}
	if session.ExpiresRecords(s) {
		want = nil // it lists nothing at all
	}
	require.Equal(t, want, got)
}

func testHealthy(t *testing.T, s session.Store) {
	require.NoError(t, s.HealthCheck(context.Background()))
}

func testClosed(t *testing.T, s session.Store) {
	ctx := context.Background()
	r := newRecord(t, base(), "closed")
	mustCreate(t, s, r)
	require.NoError(t, s.Close())
	calls := map[string]func() error{
		"Create": func() error { return s.Create(ctx, newRecord(t, base(), "late")) },
		"Get":    func() error { _, err := s.Get(ctx, r.ID); return err },
		"Update": func() error { return s.Update(ctx, next(t, r, 1)) },
		"Delete": func() error { return s.Delete(ctx, r.ID) },
		"Expired": func() error {
			_, err := s.Expired(ctx, base().Add(48*time.Hour), 10)
			return err
		},
		"HealthCheck": func() error { return s.HealthCheck(ctx) },
		"Count":       func() error { _, err := s.Count(ctx); return err },
	}
	for name, call := range calls {
		require.ErrorIs(t, call(), session.ErrStoreUnavailable, "%s after Close", name)
	}
}

func testContextDone(t *testing.T, s session.Store) {
	bg := context.Background()
	now := base()
	r := newRecord(t, now, "ctx")
	mustCreate(t, s, r)
	canceled, cancel := context.WithCancel(bg)
	cancel()
	expiredCtx, cancel2 := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel2()

	for _, tc := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"canceled", canceled, context.Canceled},
		{"deadline passed", expiredCtx, context.DeadlineExceeded},
	} {
		fresh := newRecord(t, now, "never")
		err := s.Create(tc.ctx, fresh)
		require.ErrorIs(t, err, tc.want, "Create, %s", tc.name)
		_, err = s.Get(bg, fresh.ID)
		require.ErrorIs(t, err, session.ErrSessionNotFound, "Create with a done ctx must not store (%s)", tc.name)

		_, err = s.Get(tc.ctx, r.ID)
		require.ErrorIs(t, err, tc.want, "Get, %s", tc.name)

		require.ErrorIs(t, s.Update(tc.ctx, next(t, r, 1)), tc.want, "Update, %s", tc.name)
		require.ErrorIs(t, s.Delete(tc.ctx, r.ID), tc.want, "Delete, %s", tc.name)
		requireSame(t, s, r, mustGet(t, s, r.ID))

		_, err = s.Expired(tc.ctx, now.Add(48*time.Hour), 10)
		require.ErrorIs(t, err, tc.want, "Expired, %s", tc.name)
		_, err = s.Count(tc.ctx)
		require.ErrorIs(t, err, tc.want, "Count, %s", tc.name)
		require.ErrorIs(t, s.HealthCheck(tc.ctx), tc.want, "HealthCheck, %s", tc.name)
	}
}

func testConcurrent(t *testing.T, s session.Store) {
	ctx := context.Background()
	now := base()
	const workers, each = 8, 40
	kept := make([][]*session.Record, workers)
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			errc <- func() error {
				for i := range each {
					marker := fmt.Sprintf("w%d-r%d", w, i)
					r := newRecord(t, now, marker)
					if err := s.Create(ctx, r); err != nil {
						return err
					}
					u := next(t, r, i)
					if err := s.Update(ctx, u); err != nil {
						return err
					}
					got, err := s.Get(ctx, r.ID)
					if err != nil {
						return err
					}
					if got.Rev != 2 {
						return fmt.Errorf("%s: read revision %d after writing 2", marker, got.Rev)
					}
					if _, err := s.Expired(ctx, now.Add(time.Minute), 4); err != nil {
						return err
					}
					if i%2 == 1 {
						if err := s.Delete(ctx, r.ID); err != nil {
							return err
						}
						continue
					}
					kept[w] = append(kept[w], u)
				}
				return nil
			}()
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		require.NoError(t, err)
	}
	n, err := s.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, workers*each/2, n)
	for _, rs := range kept {
		for _, r := range rs {
			requireSame(t, s, r, mustGet(t, s, r.ID))
		}
	}
}

func testKeyKeeper(t *testing.T, s session.Store) {
	kk, ok := s.(session.KeyKeeper)
	if !ok {
		t.Skipf("%T does not keep keys (session.KeyKeeper is optional)", s)
	}
	ctx := context.Background()
	first := []byte("0123456789abcdef0123456789abcdef")
	got, err := kk.LoadOrCreateKey(ctx, func() []byte { return first })
	require.NoError(t, err)
	require.Equal(t, first, got)
	calls := 0
	again, err := kk.LoadOrCreateKey(ctx, func() []byte { calls++; return []byte("another key, never to be stored!") })
	require.NoError(t, err)
	require.Equal(t, first, again, "the stored key is kept")
	require.Zero(t, calls, "newKey is not called when a key is stored")
}
