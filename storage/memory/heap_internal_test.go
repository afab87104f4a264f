package memory

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

func heapLen(s *Store) int {
	n := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		n += len(s.shards[i].byExpiry)
		s.shards[i].mu.Unlock()
	}
	return n
}

func TestExpiryHeap_StaysBoundedUnderSlidingDeadlinesAndDeletes(t *testing.T) {
	ctx := context.Background()
	s := New(-1)
	now := time.Now()
	const sessions = 200
	recs := make([]*session.Record, sessions)
	for i := range recs {
		recs[i] = &session.Record{Format: 1, ID: session.NewID(), Rev: 1, LastAccess: now,
			ExpiresAt: now.Add(24 * time.Hour), IdleTimeout: time.Minute}
		require.NoError(t, s.Create(ctx, recs[i]))
	}
	for round := range 50 {
		for i, r := range recs {
			n := r.Clone()
			n.Rev++
			n.LastAccess = now.Add(time.Duration(round+1) * time.Second)
			require.NoError(t, s.Update(ctx, n))
			recs[i] = n
		}
	}
	// Each shard compacts past 2×live+64 entries.
	require.LessOrEqual(t, heapLen(s), 3*sessions+shardCount*65)
	for _, r := range recs {
		require.NoError(t, s.Delete(ctx, r.ID))
	}
	require.LessOrEqual(t, heapLen(s), shardCount*65, "deleted sessions' entries are compacted away")
}
