package memory_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

var ctx = context.Background()

func record(now time.Time) *session.Record {
	return &session.Record{
		Format: session.FormatVersion, ID: session.NewID(), Rev: 1,
		Created: now, LastAccess: now, ExpiresAt: now.Add(time.Hour),
	}
}

func bump(r *session.Record) *session.Record {
	c := r.Clone()
	c.Rev++
	return c
}

func has(t *testing.T, s *memory.Store, id session.ID) bool {
	t.Helper()
	_, err := s.Get(ctx, id)
	if err != nil {
		require.ErrorIs(t, err, session.ErrSessionNotFound)
		return false
	}
	return true
}

func TestCreate_FullStoreEvictsLeastRecentlyUsed(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name string
		use  func(s *memory.Store, recs []*session.Record) // touches recs[0]
		want int                                           // index evicted by the next Create
	}{
		{"untouched: the first created goes", func(*memory.Store, []*session.Record) {}, 0},
		{"Get makes a session recent", func(s *memory.Store, r []*session.Record) { _, _ = s.Get(ctx, r[0].ID) }, 1},
		{"Update makes a session recent", func(s *memory.Store, r []*session.Record) { _ = s.Update(ctx, bump(r[0])) }, 1},
		{"a refused Update does not", func(s *memory.Store, r []*session.Record) {
			stale := r[0].Clone()
			stale.Rev += 5
			_ = s.Update(ctx, stale)
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const max = 100 // spread over many shards: exactness across shards
			s := memory.New(max)
			var evicted []session.ID
			s.OnEvict = func(id session.ID) { evicted = append(evicted, id) }
			recs := make([]*session.Record, max)
			for i := range recs {
				recs[i] = record(now)
				require.NoError(t, s.Create(ctx, recs[i]))
			}
			tc.use(s, recs)
			require.NoError(t, s.Create(ctx, record(now)))

			require.Equal(t, []session.ID{recs[tc.want].ID}, evicted)
			require.False(t, has(t, s, recs[tc.want].ID))
			n, err := s.Count(ctx)
			require.NoError(t, err)
			require.Equal(t, max, n)
		})
	}
}

func TestCreate_EvictsInExactLRUOrderAcrossShards(t *testing.T) {
	const max = 64
	s := memory.New(max)
	var evicted []session.ID
	s.OnEvict = func(id session.ID) { evicted = append(evicted, id) }
	now := time.Now()
	recs := make([]*session.Record, max)
	for i := range recs {
		recs[i] = record(now)
		require.NoError(t, s.Create(ctx, recs[i]))
	}
	// Use them in reverse: the last created is now the least recent.
	var want []session.ID
	for i := max - 1; i >= 0; i-- {
		_, err := s.Get(ctx, recs[i].ID)
		require.NoError(t, err)
		want = append(want, recs[i].ID)
	}
	for range max {
		require.NoError(t, s.Create(ctx, record(now)))
	}
	require.Equal(t, want, evicted)
}

func TestCreate_DuplicateIDInFullStoreEvictsNothing(t *testing.T) {
	s := memory.New(2)
	evictions := 0
	s.OnEvict = func(session.ID) { evictions++ }
	a, b := record(time.Now()), record(time.Now())
	require.NoError(t, s.Create(ctx, a))
	require.NoError(t, s.Create(ctx, b))
	dup := record(time.Now())
	dup.ID = b.ID
	require.ErrorIs(t, s.Create(ctx, dup), session.ErrSessionIDExists)
	require.Zero(t, evictions)
	require.True(t, has(t, s, a.ID))
}

func TestCreate_ConcurrentCreatesNeverExceedLimit(t *testing.T) {
	const max, workers, each = 50, 8, 200
	s := memory.New(max)
	var mu sync.Mutex
	evictions := 0
	s.OnEvict = func(session.ID) { mu.Lock(); evictions++; mu.Unlock() }
	var wg sync.WaitGroup
	stop := make(chan struct{})
	over := make(chan int, 1)
	wg.Go(func() { // watches the count while creates run
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n, _ := s.Count(ctx); n > max {
				select {
				case over <- n:
				default:
				}
			}
		}
	})
	var cwg sync.WaitGroup
	for range workers {
		cwg.Go(func() {
			for range each {
				r := record(time.Now())
				if err := s.Create(ctx, r); err != nil {
					panic(err)
				}
				_, _ = s.Get(ctx, r.ID) // may already be evicted by another worker
			}
		})
	}
	cwg.Wait()
	close(stop)
	wg.Wait()
	select {
	case n := <-over:
		t.Fatalf("store held %d sessions, limit %d", n, max)
	default:
	}
	n, err := s.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, max, n)
	require.Equal(t, workers*each-max, evictions)
}

func TestNew_Limits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		max     int
		creates int
		want    int
	}{
		{"zero means the default", 0, memory.DefaultMaxSessions + 5, memory.DefaultMaxSessions},
		{"negative means no limit", -1, memory.DefaultMaxSessions + 5, memory.DefaultMaxSessions + 5},
		{"a limit of one keeps the newest", 1, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := memory.New(tc.max)
			now := time.Now()
			var last *session.Record
			for range tc.creates {
				last = record(now)
				require.NoError(t, s.Create(ctx, last))
			}
			n, err := s.Count(ctx)
			require.NoError(t, err)
			require.Equal(t, tc.want, n)
			require.True(t, has(t, s, last.ID), "the newest session is never the victim")
		})
	}
}

func TestStore_KeepsValueOfRecord(t *testing.T) {
	type private struct{ secret string } // unexported: not encodable
	s := memory.New(-1)
	r := record(time.Now())
	r.Value = &private{secret: "kept"}
	require.NoError(t, s.Create(ctx, r))
	got, err := s.Get(ctx, r.ID)
	require.NoError(t, err)
	require.Same(t, r.Value, got.Value)
	require.False(t, session.IsDurable(s), "sessions in memory end with the process")
}

func TestExpired_SlidingDeadlinesListEachSessionOnce(t *testing.T) {
	s := memory.New(-1)
	now := time.Now()
	r := record(now)
	r.IdleTimeout = time.Minute
	require.NoError(t, s.Create(ctx, r))
	// Move the deadline away and back many times: stale and duplicate heap
	// entries must never surface.
	cur := r
	for i := range 500 {
		n := bump(cur)
		n.LastAccess = now.Add(time.Duration(i%2) * time.Second)
		require.NoError(t, s.Update(ctx, n))
		cur = n
	}
	ids, err := s.Expired(ctx, now.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, []session.ID{r.ID}, ids)
	ids, err = s.Expired(ctx, cur.Deadline().Add(-time.Nanosecond), 10)
	require.NoError(t, err)
	require.Empty(t, ids)
}

func TestExpired_MergesShardsInDeadlineOrder(t *testing.T) {
	s := memory.New(-1)
	now := time.Now()
	var want []session.ID
	for i := range 300 {
		r := record(now)
		r.ExpiresAt = now.Add(time.Duration(300-i) * time.Second) // created latest-first
		require.NoError(t, s.Create(ctx, r))
		want = append([]session.ID{r.ID}, want...)
	}
	for _, limit := range []int{1, 7, 64, 299, 300, 1000} {
		ids, err := s.Expired(ctx, now.Add(time.Hour), limit)
		require.NoError(t, err)
		require.Equal(t, want[:min(limit, len(want))], ids, fmt.Sprint("limit ", limit))
	}
	ids, err := s.Expired(ctx, now.Add(time.Hour), 0)
	require.NoError(t, err)
	require.Empty(t, ids, "a limit of 0 lists nothing")
}
