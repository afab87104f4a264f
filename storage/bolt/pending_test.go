package bolt

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"

	"github.com/livefir/statetemplate/internal/fault"
	"github.com/livefir/statetemplate/session"
)

func TestPendingOrdered_GivesTheDirtyWritesInKeyOrder(t *testing.T) {
	var p pendingSet
	p.init()
	kinds := map[session.ID]string{}
	for i := range 300 {
		id := session.NewID()
		w := &pendingWrite{rec: &session.Record{ID: id}}
		kind := []string{"eager", "lazy", "clean", "deletion"}[i%4]
		switch kind {
		case "lazy":
			w.lazy = true
		case "deletion":
			w.rec = nil
		}
		sh := p.shard(id)
		sh.mu.Lock()
		p.put(sh, id, w)
		sh.mu.Unlock()
		if kind == "clean" {
			p.settle([]flushEntry{{id, w}})
		}
		kinds[id] = kind
	}
	for _, withLazy := range []bool{false, true} {
		got := p.ordered(withLazy)
		want := 0
		for _, k := range kinds {
			if k == "eager" || k == "deletion" || withLazy && k == "lazy" {
				want++
			}
		}
		require.Len(t, got, want, "withLazy=%v", withLazy)
		for i, e := range got {
			require.NotEqual(t, "clean", kinds[e.id], "a committed write is not pending")
			if !withLazy {
				require.NotEqual(t, "lazy", kinds[e.id], "lazy writes only with withLazy")
			}
			if i > 0 {
				require.Negative(t, bytes.Compare(got[i-1].id[:], e.id[:]), "key order")
			}
		}
	}
}

// TestFlush_RewritesEachLeafPageOnce: a lazy flush of more sessions than
// one transaction holds takes them in key order, so that its transactions
// rewrite disjoint runs of leaf pages: what it writes is about the
// sessions bucket once, plus the branch pages, free list and meta page of
// each transaction, not every leaf once per transaction.
func TestFlush_RewritesEachLeafPageOnce(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(time.Hour))
	now := time.Now().UTC()
	recs := createMany(t, s, 3*maxWritesPerTx, now, strings.Repeat("x", 1200)) // about 3 per 4 KB leaf
	for i, r := range recs {
		recs[i] = nextRev(t, r, 1)
		recs[i].Value.(*testData).Name = r.Value.(*testData).Name
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	var txs atomic.Int64
	s.writeHook = func(time.Duration) { txs.Add(1) }
	before := s.db.Stats().TxStats
	require.NoError(t, s.flushAll(ctx))
	after := s.db.Stats().TxStats
	written := after.GetWrite() - before.GetWrite()

	var leaves, branches int64
	require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
		st := tx.Bucket(bucketSessions).Stats()
		leaves, branches = int64(st.LeafPageN+st.LeafOverflowN), int64(st.BranchPageN+st.BranchOverflowN)
		return nil
	}))
	require.Greater(t, txs.Load(), int64(1), "the flush takes several transactions")
	limit := leaves + txs.Load()*(branches+8) // each transaction: its boundary leaf, branches, free list, meta, count
	require.LessOrEqual(t, written, limit, "%d transactions over %d leaves wrote %d pages", txs.Load(), leaves, written)
	for _, r := range recs {
		require.Equal(t, r.Rev, storedRev(t, s, r.ID))
	}
}

// TestFlush_FailedTransactionMidFlushKeepsTheRestPendingAndRetries: when
// a transaction of a flush of several fails, the writes of the ones
// before it are on file and the others stay pending (reads see them),
// are not on file, and reach it on the next flush once writes work again.
func TestFlush_FailedTransactionMidFlushKeepsTheRestPendingAndRetries(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, path := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(time.Hour))
	now := time.Now().UTC()
	recs := createMany(t, s, 2*maxWritesPerTx+10, now, "x")
	for i, r := range recs {
		recs[i] = nextRev(t, r, 1)
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	var txs atomic.Int64
	var restore func()
	s.writeHook = func(time.Duration) { // in the writer, after each transaction
		if txs.Add(1) == 1 {
			restore = fault.FailWrites(t, path)
		}
	}
	require.ErrorIs(t, s.flushAll(ctx), session.ErrStoreUnavailable, "the second transaction fails")
	s.writeHook = nil
	written := 0
	for _, r := range recs {
		got, err := s.Get(ctx, r.ID)
		require.NoError(t, err)
		require.Equal(t, r.Rev, got.Rev, "reads see every accepted write")
		switch storedRev(t, s, r.ID) {
		case r.Rev:
			written++
		case r.Rev - 1:
		default:
			require.Fail(t, "a revision neither written nor pending")
		}
	}
	t.Logf("%d of %d on file after the failed flush", written, len(recs))
	require.Positive(t, written, "the first transaction's writes are on file")
	require.Less(t, written, len(recs), "the failed transaction's are not")
	require.Equal(t, int64(len(recs)-written), s.pending.n.Load(), "the writes not on file stay pending")

	restore()
	require.NoError(t, s.flushAll(ctx))
	require.NoError(t, s.Close())
	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	for _, r := range recs {
		require.Equal(t, r.Rev, storedRev(t, s, r.ID), "every accepted write reached the file")
	}
}

// createMany creates n sessions named name in s, an hour from now, a few
// dozen at a time.
func createMany(t *testing.T, s *Store, n int, now time.Time, name string) []*session.Record {
	t.Helper()
	recs := make([]*session.Record, n)
	var g errgroup.Group
	g.SetLimit(64)
	for i := range recs {
		recs[i] = newRec(t, now, time.Hour, name)
		g.Go(func() error { return s.Create(context.Background(), recs[i]) })
	}
	require.NoError(t, g.Wait())
	return recs
}
