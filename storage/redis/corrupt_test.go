package redis_test

import (
	"bytes"
	"compress/flate"
	"context"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
	rstore "github.com/livefir/statetemplate/storage/redis"
	"github.com/livefir/statetemplate/storage/redis/redistest"
)

func deflate(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestGet_DamagedValueIsCorruptForThatSessionOnly(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	good := record(t, now, time.Hour, 0)
	other := record(t, now, time.Hour, 0)
	for _, tc := range []struct {
		name   string
		damage func(s *rstore.Store, v []byte) []byte
		rev    string // the revision field, "" to keep it
	}{
		{"garbage", func(*rstore.Store, []byte) []byte { return []byte("not a value at all") }, ""},
		{"truncated", func(_ *rstore.Store, v []byte) []byte { return v[:len(v)/2] }, ""},
		{"one byte changed", func(_ *rstore.Store, v []byte) []byte { v[len(v)/2] ^= 0x10; return v }, ""},
		{"a record of the layout before checksums", func(*rstore.Store, []byte) []byte {
			b, err := session.EncodeRecord(other)
			require.NoError(t, err)
			return b
		}, ""},
		{"unknown flags, valid checksum", func(*rstore.Store, []byte) []byte {
			return session.SealValue([]byte{0x02, 0x09}, []byte{1, 2, 3})
		}, ""},
		{"broken deflate stream, valid checksum", func(*rstore.Store, []byte) []byte {
			return session.SealValue([]byte{0x02, 0x01}, []byte{0xde, 0xad, 0xbe, 0xef})
		}, ""},
		{"inflates past the limit", func(*rstore.Store, []byte) []byte {
			return session.SealValue([]byte{0x02, 0x01}, deflate(t, bytes.Repeat([]byte{0}, 2<<20)))
		}, ""},
		{"record of another session", func(s *rstore.Store, _ []byte) []byte {
			require.NoError(t, s.Create(ctx, other))
			v, err := s.Client().HGet(ctx, key(s, other.ID), "v").Bytes()
			require.NoError(t, err)
			return v
		}, ""},
		{"revision field changed", func(_ *rstore.Store, v []byte) []byte { return v }, "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, rstore.Config{MaxRecordBytes: 1 << 20})
			require.NoError(t, s.Create(ctx, good))
			bad := record(t, now, time.Hour, 0)
			require.NoError(t, s.Create(ctx, bad))
			v, err := s.Client().HGet(ctx, key(s, bad.ID), "v").Bytes()
			require.NoError(t, err)
			require.NoError(t, s.Client().HSet(ctx, key(s, bad.ID), "v", tc.damage(s, v)).Err())
			if tc.rev != "" {
				require.NoError(t, s.Client().HSet(ctx, key(s, bad.ID), "r", tc.rev).Err())
			}

			_, err = s.Get(ctx, bad.ID)
			require.ErrorIs(t, err, session.ErrSessionNotFound)
			require.ErrorIs(t, err, session.ErrCorruptRecord)
			_, err = s.Get(ctx, good.ID)
			require.NoError(t, err, "other sessions are unaffected")
		})
	}
}

func TestStore_KeyOfAnotherTypeIsCorruptNotAFailure(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, rstore.Config{})
	rec := record(t, time.Now(), time.Hour, 0)
	require.NoError(t, s.Client().Set(ctx, key(s, rec.ID), "a string", time.Minute).Err())

	_, err := s.Get(ctx, rec.ID)
	require.ErrorIs(t, err, session.ErrCorruptRecord)
	require.NotErrorIs(t, err, session.ErrStoreUnavailable)

	next := rec.Clone()
	next.Rev++
	err = s.Update(ctx, next)
	require.ErrorIs(t, err, session.ErrCorruptRecord)

	err = s.Create(ctx, rec)
	require.ErrorIs(t, err, session.ErrSessionIDExists)
	require.NoError(t, s.Delete(ctx, rec.ID), "Delete clears it")
	require.NoError(t, s.Create(ctx, rec))
}

func TestCompression_LargeRecordsAreDeflatedSmallOnesStoredPlain(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, rstore.Config{CompressAbove: 1024})
	now := time.Now()

	small := record(t, now, time.Hour, 0)
	require.NoError(t, s.Create(ctx, small))
	stored, err := s.Client().HGet(ctx, key(s, small.ID), "v").Bytes()
	require.NoError(t, err)
	want, err := session.EncodeRecord(small)
	require.NoError(t, err)
	require.Equal(t, session.SealValue([]byte{0x02, 0x00}, want), stored,
		"a small record is stored as the codec's bytes, the bolt store's form, behind its header and checksum")

	large := record(t, now, time.Hour, 0)
	large.Data, err = session.EncodeData(strings.Repeat("a repetitive task list ", 2000))
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, large))
	stored, err = s.Client().HGet(ctx, key(s, large.ID), "v").Bytes()
	require.NoError(t, err)
	plain, err := session.EncodeRecord(large)
	require.NoError(t, err)
	require.Equal(t, []byte{0x02, 0x01}, stored[:2], "format 2, deflated")
	require.Less(t, len(stored), len(plain)/10)
	got, err := s.Get(ctx, large.ID)
	require.NoError(t, err)
	gotBytes, err := session.EncodeRecord(got)
	require.NoError(t, err)
	require.Equal(t, plain, gotBytes)
}

func TestOpen_ParsesURLAndReportsConnectionErrors(t *testing.T) {
	t.Run("reachable server", func(t *testing.T) {
		c := newStore(t, rstore.Config{}).Client().(*goredis.Client)
		s, err := rstore.Open(context.Background(), "redis://"+c.Options().Addr+"/0", rstore.Config{Prefix: redistest.Prefix(t, c)})
		require.NoError(t, err)
		require.NoError(t, s.HealthCheck(context.Background()))
		require.NoError(t, s.Close())
		require.ErrorIs(t, s.HealthCheck(context.Background()), session.ErrStoreUnavailable)
	})
	t.Run("bad URL", func(t *testing.T) {
		_, err := rstore.Open(context.Background(), "http://localhost", rstore.Config{})
		require.Error(t, err)
	})
	t.Run("nothing listening fails within ctx", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := rstore.Open(ctx, "redis://127.0.0.1:1", rstore.Config{})
		require.ErrorIs(t, err, session.ErrStoreUnavailable)
		require.Less(t, time.Since(start), 3*time.Second)
	})
}

func TestNew_PrefixWithAHashTagIsRefused(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	for _, p := range []string{"{app}:", "app{", "}"} {
		_, err := rstore.New(c, rstore.Config{Prefix: p})
		require.ErrorContains(t, err, "hash tag", "prefix %q", p)
	}
	s, err := rstore.New(c, rstore.Config{Prefix: "app:"})
	require.NoError(t, err)
	require.Equal(t, "app:{0102030405060708090a0b0c0d0e0f10}", s.Key(session.ID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}),
		"each session key is its own hash tag")
}

func TestCount_SeesOnlyItsOwnPrefix(t *testing.T) {
	ctx := context.Background()
	a := newStore(t, rstore.Config{})
	b := newStore(t, rstore.Config{Prefix: a.Prefix() + "x*["}) // glob characters are escaped
	for range 3 {
		require.NoError(t, a.Create(ctx, record(t, time.Now(), time.Hour, 0)))
	}
	require.NoError(t, b.Create(ctx, record(t, time.Now(), time.Hour, 0)))
	na, err := a.Count(ctx)
	require.NoError(t, err)
	nb, err := b.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, na)
	require.Equal(t, 1, nb)
}

func TestOpen_SentinelURLReachesTheMasterItMonitors(t *testing.T) {
	master := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, master.Addr, "sessions")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := rstore.Open(ctx, "redis://"+sentinel+"?master_name=sessions", rstore.Config{Prefix: "sentinel-test:"})
	require.NoError(t, err)
	defer s.Close()
	rec := record(t, time.Now(), time.Hour, 0)
	require.NoError(t, s.Create(ctx, rec))
	got, err := s.Get(ctx, rec.ID)
	require.NoError(t, err)
	require.Equal(t, rec.Rev, got.Rev)

	direct := goredis.NewClient(&goredis.Options{Addr: master.Addr})
	defer direct.Close()
	n, err := direct.Exists(ctx, s.Key(rec.ID)).Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "the session is on the master the sentinel names")
}
