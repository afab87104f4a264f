package bolt

import (
	"context"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// poolArrays returns the arrays the writer's value pool holds, read on
// the writer's goroutine.
func poolArrays(t *testing.T, s *Store) map[*byte]bool {
	t.Helper()
	out := map[*byte]bool{}
	require.NoError(t, s.submit(context.Background(), &op{kind: opExclusive, fn: func() error {
		for _, v := range s.values.free {
			out[unsafe.SliceData(v)] = true
		}
		return nil
	}}))
	return out
}

// TestLazyFlush_EncodesTheNextRecordsIntoTheValuesItCommitted: a flush
// gives the values it committed to the writer's pool, the next flush
// builds its records in those arrays instead of new ones, and what the
// file holds after both is every session's latest record, byte for byte
// decodable: no value is overwritten before its transaction ended.
func TestLazyFlush_EncodesTheNextRecordsIntoTheValuesItCommitted(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, path := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(1000*time.Hour))
	now := time.Now().UTC()
	recs := make([]*session.Record, 40)
	for i := range recs {
		recs[i] = newRec(t, now, time.Hour, strings.Repeat("x", 300)+string(rune('a'+i%26)))
		require.NoError(t, s.Create(ctx, recs[i]))
	}
	require.Empty(t, poolArrays(t, s), "creates are not lazy records")
	for round := 1; round <= 3; round++ {
		before := poolArrays(t, s)
		for i, r := range recs {
			recs[i] = nextRev(t, r, round)
			require.NoError(t, s.Update(lazy, recs[i]))
		}
		require.NoError(t, s.flushAll(ctx))
		after := poolArrays(t, s)
		require.Len(t, after, len(recs), "round %d: every committed value is kept", round)
		if round > 1 {
			require.Equal(t, before, after, "round %d: the records were built in the arrays committed before", round)
		}
		for _, r := range recs {
			require.Equal(t, r.Rev, storedRev(t, s, r.ID))
		}
	}
	require.NoError(t, s.Close())
	again, err := Open(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, again.Close()) }()
	for _, r := range recs {
		got, err := again.Get(ctx, r.ID)
		require.NoError(t, err)
		require.Equal(t, r.Rev, got.Rev)
		require.Equal(t, r.Data, got.Data, "session %s", r.ID.Short())
	}
}

func TestValuePool_KeepsArraysUpToItsBoundsOnly(t *testing.T) {
	var p valuePool
	require.Nil(t, p.get(), "an empty pool gives nothing")
	p.put(nil)
	p.put(make([]byte, 10, valuePoolLargest+1))
	require.Empty(t, p.free, "nothing, nor an array too large to pin")
	v := make([]byte, 5, 100)
	p.put(v)
	got := p.get()
	require.Empty(t, got, "an array comes back empty")
	require.Equal(t, 100, cap(got))
	require.Same(t, unsafe.SliceData(v), unsafe.SliceData(got))
	require.Zero(t, p.bytes)
	for range valuePoolBytes/valuePoolLargest + 1 {
		p.put(make([]byte, 0, valuePoolLargest))
	}
	require.LessOrEqual(t, p.bytes, valuePoolBytes, "the pool keeps at most its bound")
	require.Len(t, p.free, valuePoolBytes/valuePoolLargest)
}

// TestValuePool_IsReleasedWhenTheWriterHasNothingLeftToDo: the arrays a
// lazy flush kept for the next one are dropped once the writer is idle
// (no write pending, no clean entry left to expire): a store whose pushes
// stopped, or that takes only updates that are not lazy, pins none.
func TestValuePool_IsReleasedWhenTheWriterHasNothingLeftToDo(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(2*time.Millisecond), WithLazyWindow(10*time.Millisecond))
	now := time.Now().UTC()
	recs := make([]*session.Record, 20)
	for i := range recs {
		recs[i] = newRec(t, now, time.Hour, strings.Repeat("y", 500))
		require.NoError(t, s.Create(ctx, recs[i]))
	}
	for round := 1; round <= 2; round++ {
		for i, r := range recs {
			recs[i] = nextRev(t, r, round)
			require.NoError(t, s.Update(lazy, recs[i]))
		}
		require.NoError(t, s.flushAll(ctx))
	}
	require.Eventually(t, func() bool {
		return s.pending.n.Load() == 0 && s.pending.kept.Load() == 0 && len(poolArrays(t, s)) == 0
	}, 5*time.Second, 5*time.Millisecond, "the pool is empty once the writer is idle")
	for _, r := range recs {
		got, err := s.Get(ctx, r.ID)
		require.NoError(t, err)
		require.Equal(t, r.Data, got.Data)
	}
}
