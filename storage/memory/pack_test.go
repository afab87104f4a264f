package memory_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

// clockedStore returns a store whose uses are timed by a settable clock.
func clockedStore(max int) (*memory.Store, *time.Time) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := memory.New(max)
	s.Now = func() time.Time { return now }
	return s, &now
}

func ids(recs []*session.Record) []session.ID {
	out := make([]session.ID, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func TestUnused_ListsRecordsUnusedSinceBeforeLeastRecentlyUsedFirst(t *testing.T) {
	s, now := clockedStore(-1)
	var recs []*session.Record
	for range 5 {
		r := record(*now)
		require.NoError(t, s.Create(ctx, r))
		recs = append(recs, r)
		*now = now.Add(time.Second)
	}
	_, err := s.Get(ctx, recs[0].ID) // a use: now the most recent
	require.NoError(t, err)
	*now = now.Add(time.Second)

	got, err := s.Unused(ctx, now.Add(-2*time.Second), 10)
	require.NoError(t, err)
	assert.Equal(t, ids(recs[1:4]), ids(got), "used before 12:00:04, oldest first")

	got, err = s.Unused(ctx, *now, 2)
	require.NoError(t, err)
	assert.Equal(t, ids(recs[1:3]), ids(got), "at most limit")

	got, err = s.Unused(ctx, recs[0].Created, 10)
	require.NoError(t, err)
	assert.Empty(t, got, "nothing was used before the first Create")
}

func TestSwap_ReplacesOnlyTheStoredRecordWithoutCountingAsUse(t *testing.T) {
	s, now := clockedStore(2)
	older, newer := record(*now), record(*now)
	require.NoError(t, s.Create(ctx, older))
	*now = now.Add(time.Second)
	require.NoError(t, s.Create(ctx, newer))

	other := older.Clone()
	assert.True(t, s.Swap(older, other))
	got, err := s.Unused(ctx, now.Add(time.Second), 10)
	require.NoError(t, err)
	assert.Equal(t, []session.ID{older.ID, newer.ID}, ids(got), "a swap keeps the session's place")
	assert.False(t, s.Swap(older, older.Clone()), "older is no longer the stored record")
	assert.False(t, s.Swap(other, bump(other)), "a swap never changes the revision")

	*now = now.Add(time.Second)
	require.NoError(t, s.Create(ctx, record(*now)))
	assert.False(t, has(t, s, older.ID), "the swapped session is still the least recently used, evicted first")
	assert.True(t, has(t, s, newer.ID))
	assert.False(t, s.Swap(other, other.Clone()), "nothing to swap once evicted")
}

func TestUnused_UseClockStaysOrderedWhenTheClockStands(t *testing.T) {
	s, now := clockedStore(2)
	a, b := record(*now), record(*now)
	require.NoError(t, s.Create(ctx, a))
	require.NoError(t, s.Create(ctx, b))
	_, err := s.Get(ctx, a.ID)
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, record(*now)))
	assert.True(t, has(t, s, a.ID), "uses at the same instant keep their order")
	assert.False(t, has(t, s, b.ID))
}
