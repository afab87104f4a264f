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
	for _, lazy := range []uint{0, 1, 1<<2 | 1<<4, allLazy} {
		got := p.ordered(lazy)
		want := 0
		for id, k := range kinds {
			if k == "eager" || k == "deletion" || k == "lazy" && lazy&(1<<lazySlice(id)) != 0 {
				want++
			}
		}
		require.Len(t, got, want, "lazy slices %b", lazy)
		for i, e := range got {
			require.NotEqual(t, "clean", kinds[e.id], "a committed write is not pending")
			if kinds[e.id] == "lazy" {
				require.NotZero(t, lazy&(1<<lazySlice(e.id)), "lazy writes only of the slices asked for")
			}
			if i > 0 {
				require.Negative(t, bytes.Compare(got[i-1].id[:], e.id[:]), "key order")
			}
		}
	}
}

// TestLazySlot_IsTheSlicesFirstSlotWithinAWindow: a lazy write is flushed
// at its slice's first slot at or after it was queued, never later than
// one lazy window, and the slices' slots are spread evenly over each
// window.
func TestLazySlot_IsTheSlicesFirstSlotWithinAWindow(t *testing.T) {
	const window = time.Second
	base := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC).UnixNano() // a multiple of the window
	tests := []struct {
		name  string
		k     int
		since time.Duration // after base
		want  time.Duration // after base
	}{
		{"slice 0 on its slot", 0, 0, 0},
		{"slice 0 just after its slot waits a window", 0, 1, window},
		{"slice 2 before its slot", 2, 100 * time.Millisecond, 400 * time.Millisecond},
		{"slice 2 after its slot", 2, 500 * time.Millisecond, 1400 * time.Millisecond},
		{"slice 4 on its slot", 4, 800 * time.Millisecond, 800 * time.Millisecond},
		{"the last slice late in the window", lazySlices - 1, 999 * time.Millisecond, 1800 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lazySlot(tt.k, base+int64(tt.since), window)
			require.Equal(t, time.Unix(0, base+int64(tt.want)), got)
		})
	}
	for i := range 1000 {
		since := base + int64(i)*7_919_993 // sweeps every phase of the window
		slots := map[int64]bool{}
		for k := range lazySlices {
			slot := lazySlot(k, since, window).UnixNano()
			require.GreaterOrEqual(t, slot, since, "never before the write")
			require.Less(t, slot-since, int64(window), "within one window")
			require.Equal(t, int64(k)*int64(window)/lazySlices, (slot-base)%int64(window), "slice k's phase")
			slots[slot] = true
		}
		require.Len(t, slots, lazySlices, "the slices' slots differ")
	}
}

// TestLazyDue_NamesTheSlicesWhoseSlotCame: the writer flushes exactly the
// slices whose slot has come, and is woken next at the earliest slot of a
// slice with writes waiting, not at every slice's.
func TestLazyDue_NamesTheSlicesWhoseSlotCame(t *testing.T) {
	const window = time.Second
	base := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	var p pendingSet
	p.init()
	_, _, _, ok := p.lazyDue(base, window)
	require.False(t, ok, "nothing waits")
	p.lazySince[1].Store(base.Add(50 * time.Millisecond).UnixNano())  // slot at 200 ms
	p.lazySince[3].Store(base.Add(700 * time.Millisecond).UnixNano()) // slot at 1.6 s
	due, _, next, ok := p.lazyDue(base.Add(100*time.Millisecond), window)
	require.True(t, ok)
	require.Zero(t, due)
	require.True(t, base.Add(200*time.Millisecond).Equal(next), "%v", next)
	due, _, _, _ = p.lazyDue(base.Add(200*time.Millisecond), window)
	require.Equal(t, uint(1<<1), due)
	due, _, _, _ = p.lazyDue(base.Add(2*time.Second), window)
	require.Equal(t, uint(1<<1|1<<3), due)

	flushAt, ok := p.flushDeadline(base, time.Hour, window)
	require.True(t, ok)
	require.True(t, base.Add(200*time.Millisecond).Equal(flushAt), "the first slot, before the update window: %v", flushAt)
	overdue, ok := p.nextDeadline(time.Hour, window)
	require.True(t, ok)
	require.True(t, base.Add(1050*time.Millisecond).Equal(overdue), "overdue one lazy window after the oldest lazy write: %v", overdue)
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

// lazySlot is the time of slice k's first slot at or after since, as Unix
// ns on the wall clock (the pending set's clock while it does not jump).
func lazySlot(k int, since int64, window time.Duration) time.Time {
	return time.Unix(0, since).Add(slotWait(k, since, window))
}
