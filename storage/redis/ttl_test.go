package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
	rstore "github.com/livefir/statetemplate/storage/redis"
)

type small struct{ N int }

// record returns a revision-1 record created at now.
func record(t *testing.T, now time.Time, exp, idle time.Duration) *session.Record {
	t.Helper()
	enc, err := session.EncodeData(&small{N: 1})
	require.NoError(t, err)
	return &session.Record{
		Format: session.FormatVersion, ID: session.NewID(), Rev: 1,
		Created: now, LastAccess: now, ExpiresAt: now.Add(exp), IdleTimeout: idle,
		DataType: session.TypeName(&small{}), Data: enc,
	}
}

func key(s *rstore.Store, id session.ID) string { return s.Key(id) }

// expireTime returns the key's absolute expiry as Redis holds it.
func expireTime(t *testing.T, s *rstore.Store, id session.ID) time.Duration {
	t.Helper()
	d, err := s.Client().PExpireTime(context.Background(), key(s, id)).Result()
	require.NoError(t, err)
	return d
}

func TestCreate_AlreadyExpiredRecordIsNotStored(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	for _, tc := range []struct {
		name      string
		exp, idle time.Duration
	}{
		{"absolute expiry in the past", -time.Minute, 0},
		{"absolute expiry exactly now-ish", -time.Millisecond, 0},
		{"idle deadline in the past", time.Hour, -time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, rstore.Config{})
			rec := record(t, now, tc.exp, 0)
			if tc.idle != 0 {
				rec.IdleTimeout = time.Minute
				rec.LastAccess = now.Add(-2 * time.Minute)
			}
			require.NoError(t, s.Create(ctx, rec))
			_, err := s.Get(ctx, rec.ID)
			require.ErrorIs(t, err, session.ErrSessionNotFound)
			n, err := s.Client().Exists(ctx, key(s, rec.ID)).Result()
			require.NoError(t, err)
			require.Zero(t, n, "no key may be left without expiry")
		})
	}
}

func TestUpdate_ToAPassedDeadlineDeletesTheRecord(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, rstore.Config{})
	now := time.Now()
	rec := record(t, now, time.Hour, 0)
	require.NoError(t, s.Create(ctx, rec))
	next := rec.Clone()
	next.Rev++
	next.ExpiresAt = now.Add(-time.Second)
	require.NoError(t, s.Update(ctx, next))
	_, err := s.Get(ctx, rec.ID)
	require.ErrorIs(t, err, session.ErrSessionNotFound)
	n, err := s.Client().Exists(ctx, key(s, rec.ID)).Result()
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestCreate_KeyExpiresAtTheRecordDeadline(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	for _, tc := range []struct {
		name      string
		exp, idle time.Duration
	}{
		{"absolute expiry", 24 * time.Hour, 0},
		{"idle timeout earlier than expiry", 24 * time.Hour, 30 * time.Minute},
		{"idle timeout later than expiry", time.Hour, 3 * time.Hour},
		{"far future: a hundred years", 100 * 365 * 24 * time.Hour, 0},
		{"far future: year 9999, past time.Duration's range", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, rstore.Config{})
			rec := record(t, now, tc.exp, tc.idle)
			if tc.exp == 0 {
				rec.ExpiresAt = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
			}
			require.NoError(t, s.Create(ctx, rec))
			got := expireTime(t, s, rec.ID)
			want := time.Duration(rec.Deadline().UnixMilli()) * time.Millisecond
			require.InDelta(t, want.Milliseconds(), got.Milliseconds(), 1, "PEXPIRETIME is the deadline, rounded up to the ms")
			require.GreaterOrEqual(t, got, want)
			_, err := s.Get(ctx, rec.ID)
			require.NoError(t, err)
		})
	}
}

func TestUpdate_IdleTimeoutMovesKeyExpiry(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, rstore.Config{})
	now := time.Now().UTC()
	rec := record(t, now, 24*time.Hour, time.Hour)
	require.NoError(t, s.Create(ctx, rec))
	first := expireTime(t, s, rec.ID)

	next := rec.Clone()
	next.Rev++
	next.LastAccess = now.Add(20 * time.Minute)
	require.NoError(t, s.Update(ctx, next))
	moved := expireTime(t, s, rec.ID)
	require.Equal(t, 20*time.Minute, (moved - first).Round(time.Millisecond), "access 20 min later moves the expiry 20 min")
}

func TestRecord_RedisDropsTheKeyAtItsDeadline(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, rstore.Config{})
	rec := record(t, time.Now(), 150*time.Millisecond, 0)
	require.NoError(t, s.Create(ctx, rec))
	_, err := s.Get(ctx, rec.ID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := s.Get(ctx, rec.ID)
		return err != nil
	}, 5*time.Second, 20*time.Millisecond)
	_, err = s.Get(ctx, rec.ID)
	require.ErrorIs(t, err, session.ErrSessionNotFound)
	// Redis expired it: there is nothing left to sweep.
	ids, err := s.Expired(ctx, time.Now(), 10)
	require.NoError(t, err)
	require.Empty(t, ids)
	n, err := s.Count(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}
