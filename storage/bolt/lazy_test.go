package bolt

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
)

// storedRev returns the revision of id in the file, 0 when it holds none.
func storedRev(t *testing.T, s *Store, id session.ID) uint64 {
	t.Helper()
	v, err := s.readValue(id)
	require.NoError(t, err)
	if v == nil {
		return 0
	}
	h, err := readHeader(v, false)
	require.NoError(t, err)
	return h.rev
}

// crashCopy copies the file as a kill -9 would leave it now: what the
// committed transactions wrote. Callers make sure no commit is running.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dst := filepath.Join(t.TempDir(), "crashed.db")
	require.NoError(t, os.WriteFile(dst, b, 0o600))
	return dst
}

// TestLazyUpdate_ACrashLosesOnlyLazyUpdatesAndCloseWritesThem: with a
// short update window and an hour-long lazy window, a crash keeps every
// update that is not lazy — one made after a lazy update takes it along,
// and a lazy update made after one that was still waiting does not hold
// it back — and loses only the lazy updates; Close writes those.
func TestLazyUpdate_ACrashLosesOnlyLazyUpdatesAndCloseWritesThem(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, path := openTemp(t, WithUpdateWindow(10*time.Millisecond), WithLazyWindow(time.Hour))
	now := time.Now().UTC()
	push, action, pushThenAction, actionThenPush := newRec(t, now, time.Hour, "push"), newRec(t, now, time.Hour, "action"),
		newRec(t, now, time.Hour, "push-action"), newRec(t, now, time.Hour, "action-push")
	for _, r := range []*session.Record{push, action, pushThenAction, actionThenPush} {
		require.NoError(t, s.Create(ctx, r))
	}

	pushed := nextRev(t, push, 1)
	require.NoError(t, s.Update(lazy, pushed))
	require.NoError(t, s.Update(ctx, nextRev(t, action, 1)))
	pa := nextRev(t, pushThenAction, 1)
	require.NoError(t, s.Update(lazy, pa))
	pa = nextRev(t, pa, 2)
	require.NoError(t, s.Update(ctx, pa))
	ap := nextRev(t, actionThenPush, 1)
	require.NoError(t, s.Update(ctx, ap))
	require.NoError(t, s.Update(lazy, nextRev(t, ap, 2)))

	got, err := s.Get(ctx, push.ID)
	require.NoError(t, err)
	require.Equal(t, pushed.Rev, got.Rev, "a lazy update is visible at once")
	require.Eventually(t, func() bool {
		return storedRev(t, s, action.ID) == 2 && storedRev(t, s, pushThenAction.ID) == 3 && storedRev(t, s, actionThenPush.ID) >= 2
	}, 5*time.Second, 5*time.Millisecond, "the updates that are not lazy are written within the update window")
	require.Equal(t, uint64(1), storedRev(t, s, push.ID), "the lazy update waits for its window")

	crashed, err := Open(crashCopy(t, path))
	require.NoError(t, err)
	for id, want := range map[session.ID]uint64{push.ID: 1, action.ID: 2, pushThenAction.ID: 3} {
		got, err := crashed.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, want, got.Rev)
	}
	require.NoError(t, crashed.Close())

	require.NoError(t, s.Close())
	reopened, err := Open(path)
	require.NoError(t, err)
	defer reopened.Close()
	for id, want := range map[session.ID]uint64{push.ID: 2, action.ID: 2, pushThenAction.ID: 3, actionThenPush.ID: 3} {
		got, err := reopened.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, want, got.Rev, "Close writes the lazy updates")
		require.Equal(t, storedRev(t, reopened, id), got.Rev)
	}
}

func TestLazyUpdate_IsWrittenWithinTheLazyWindowAndCoalesced(t *testing.T) {
	lazy := session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(20*time.Millisecond))
	r := newRec(t, time.Now().UTC(), time.Hour, "lazy")
	require.NoError(t, s.Create(context.Background(), r))
	cur := r
	for i := range 10 {
		cur = nextRev(t, cur, i)
		require.NoError(t, s.Update(lazy, cur))
	}
	st, err := s.Stats()
	require.NoError(t, err)
	require.Equal(t, 1, st.PendingWrites, "ten lazy updates of one session are one pending write")
	require.Eventually(t, func() bool { return storedRev(t, s, r.ID) == cur.Rev }, 5*time.Second, 5*time.Millisecond,
		"written within the lazy window, although the update window is an hour")
}

func TestLazyUpdate_SyncUpdatesWriteItAtOnce(t *testing.T) {
	s, _ := openTemp(t, WithSyncUpdates(), WithLazyWindow(time.Hour))
	r := newRec(t, time.Now().UTC(), time.Hour, "sync")
	require.NoError(t, s.Create(context.Background(), r))
	u := nextRev(t, r, 1)
	require.NoError(t, s.Update(session.WithLazyWrite(context.Background()), u))
	require.Equal(t, u.Rev, storedRev(t, s, r.ID))
}

// TestLazyUpdate_ARecordThatCannotBeStoredIsDroppedAloneAndSaid: a lazy
// update is encoded when it is written; one the record format cannot hold
// (a fragment state past the decoding limits) is dropped with a warning,
// the others in the same flush are written, and the session's next update
// finds the stored revision (ErrConflict) instead of building on what was
// never written.
func TestLazyUpdate_ARecordThatCannotBeStoredIsDroppedAloneAndSaid(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	var logs bytes.Buffer
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(time.Hour),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	bad, good := newRec(t, time.Now().UTC(), time.Hour, "bad"), newRec(t, time.Now().UTC(), time.Hour, "good")
	require.NoError(t, s.Create(ctx, bad))
	require.NoError(t, s.Create(ctx, good))
	huge := nextRev(t, bad, 1)
	huge.Fragments = &fragments.State{Format: 3, IDs: make([]string, maxFragmentIDs())}
	require.NoError(t, s.Update(lazy, huge), "a lazy update is encoded later")
	fine := nextRev(t, good, 1)
	require.NoError(t, s.Update(lazy, fine))

	require.NoError(t, s.Flush(ctx, good.ID))
	require.Equal(t, fine.Rev, storedRev(t, s, good.ID))
	require.Equal(t, uint64(1), storedRev(t, s, bad.ID))
	require.Contains(t, logs.String(), "cannot be stored")
	require.Contains(t, logs.String(), bad.ID.Short())
	got, err := s.Get(ctx, bad.ID)
	require.NoError(t, err)
	require.Equal(t, uint64(1), got.Rev, "the session is back at its stored revision")
	next := nextRev(t, huge, 2)
	next.Fragments = nil
	require.ErrorIs(t, s.Update(ctx, next), session.ErrConflict)
}

// maxFragmentIDs is one more fragment id than a record may hold.
func maxFragmentIDs() int { return 1<<17 + 1 }

func TestRequeue_KeepsTheEarlierDeadline(t *testing.T) {
	for _, tc := range []struct {
		name           string
		cur, old, want int64
	}{
		{"nothing taken", 0, 0, 0},
		{"nothing queued since", 0, 5, 5},
		{"queued later since", 9, 5, 5},
		{"queued earlier (never: still kept)", 3, 5, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var since atomic.Int64
			since.Store(tc.cur)
			requeue(&since, tc.old)
			require.Equal(t, tc.want, since.Load())
		})
	}
}

// TestLazyUpdate_AFlushThatYieldsToCreatorsLeavesNothingBehind: a lazy
// flush of more sessions than one transaction holds, while sessions are
// being created, stops between transactions to let the creators commit;
// every lazy update still reaches the file without Close.
func TestLazyUpdate_AFlushThatYieldsToCreatorsLeavesNothingBehind(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(50*time.Millisecond))
	now := time.Now().UTC()
	recs := createMany(t, s, maxWritesPerTx*2+100, now, "s")

	stop := make(chan struct{})
	created := make(chan int)
	go func() { // creators, all along the flush
		n := 0
		defer func() { created <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if s.Create(ctx, newRec(t, now, time.Hour, "new")) == nil {
				n++
			}
		}
	}()
	for i, r := range recs {
		recs[i] = nextRev(t, r, i)
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	require.Eventually(t, func() bool {
		for _, r := range recs {
			if storedRev(t, s, r.ID) != r.Rev {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond, "every lazy update reaches the file")
	close(stop)
	require.Positive(t, <-created)
}

// TestLazyUpdate_AfterAnUnwrittenActionIsRefusedWhenItCannotBeStored: a
// lazy update that replaces an update not yet written, and not lazy (an
// action's), carries that update's changes: one the record format cannot
// hold is refused at once, as the action's own would be, and the action's
// revision is still written — not dropped with the push at the flush.
func TestLazyUpdate_AfterAnUnwrittenActionIsRefusedWhenItCannotBeStored(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(time.Hour))
	r := newRec(t, time.Now().UTC(), time.Hour, "action-then-push")
	require.NoError(t, s.Create(ctx, r))
	action := nextRev(t, r, 1)
	require.NoError(t, s.Update(ctx, action))
	huge := nextRev(t, action, 2)
	huge.Fragments = &fragments.State{Format: 3, IDs: make([]string, maxFragmentIDs())}
	require.Error(t, s.Update(lazy, huge), "it would carry the action's change: encoded now")

	require.NoError(t, s.Flush(ctx, r.ID))
	require.Equal(t, action.Rev, storedRev(t, s, r.ID), "the action's update is written")
	got, err := s.Get(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, action.Rev, got.Rev)
}

// TestLazyUpdate_AnOverdueUpdateGoesOnOnceTheFlushHasTakenTheWrites: an
// update that arrives when the lazy writes are overdue (the writer was busy
// when their window ended) waits for a flush to take them, not for that
// flush to end: pushes do not stop for the length of every lazy flush.
func TestLazyUpdate_AnOverdueUpdateGoesOnOnceTheFlushHasTakenTheWrites(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	const window = 20 * time.Millisecond
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(window))
	var stall atomic.Bool
	inFlush, release := make(chan struct{}, 1), make(chan struct{})
	var releaseOnce sync.Once
	unstall := func() { releaseOnce.Do(func() { close(release) }) }
	s.writeHook = func(time.Duration) { // set before the writer's first op: Create hands it over
		if stall.Load() {
			select {
			case inFlush <- struct{}{}:
			default:
			}
			<-release
		}
	}
	t.Cleanup(unstall) // before the store's Close, which waits for the writer
	now := time.Now().UTC()
	a, b := newRec(t, now, time.Hour, "a"), newRec(t, now, time.Hour, "b")
	require.NoError(t, s.Create(ctx, a))
	require.NoError(t, s.Create(ctx, b))

	// The writer is busy (an exclusive op) while a's lazy window ends.
	started, busy, exclusive := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		exclusive <- s.submit(ctx, &op{kind: opExclusive, fn: func() error { close(started); <-busy; return nil }})
	}()
	<-started
	stall.Store(true)
	require.NoError(t, s.Update(lazy, nextRev(t, a, 1)))
	time.Sleep(2 * window)
	updated := make(chan error, 1)
	s.flushed.notify() // nobody waits: a's update is done
	go func() { updated <- s.Update(lazy, nextRev(t, b, 1)) }()
	require.Eventually(t, func() bool { // b's update waits for a flush (holdWhileOverdue)
		s.flushed.mu.Lock()
		defer s.flushed.mu.Unlock()
		return s.flushed.ch != nil
	}, 10*time.Second, time.Millisecond)

	close(busy) // the writer flushes a's update, and stalls in that flush
	require.NoError(t, <-exclusive)
	select {
	case <-inFlush:
	case <-time.After(10 * time.Second):
		t.Fatal("the lazy flush did not start")
	}
	select {
	case err := <-updated:
		require.NoError(t, err, "b's update goes on while a's flush is still in progress")
	case <-time.After(10 * time.Second):
		t.Fatal("b's update waited for the whole flush")
	}
	stall.Store(false)
	unstall()
	require.NoError(t, s.Flush(ctx, b.ID))
	require.Equal(t, b.Rev+1, storedRev(t, s, b.ID))
}

// TestLazyFlush_OfASliceWritesOnlyThatSlicesSessions: the writer flushes
// the lazy writes a slice (a range of session ids) at a time, at the
// slice's slot: a flush of one slice writes its sessions' updates and
// leaves the other slices' waiting for their own slots, where a lazy
// window's writes used to be flushed all at once.
func TestLazyFlush_OfASliceWritesOnlyThatSlicesSessions(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	// No slot of a 1,000-hour lazy window comes during the test.
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(1000*time.Hour))
	recs := createMany(t, s, 200, time.Now().UTC(), "slice")
	for i, r := range recs {
		recs[i] = nextRev(t, r, i)
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	const k = 2
	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { return s.flush(1<<k, false, -1) }}))
	in := 0
	for _, r := range recs {
		want := r.Rev - 1
		if lazySlice(r.ID) == k {
			want = r.Rev
			in++
		}
		require.Equal(t, want, storedRev(t, s, r.ID), "slice %d", lazySlice(r.ID))
	}
	require.Positive(t, in, "some sessions are in the slice flushed")
	require.Less(t, in, len(recs), "some are not")
	due, _, _, ok := s.pending.lazyDue(time.Now(), 1000*time.Hour)
	require.True(t, ok, "the other slices still wait")
	require.Zero(t, due)
	require.Zero(t, s.pending.lazySince[k].Load(), "slice %d has nothing waiting", k)
}

// TestLazyFlush_SlicesOfOneWindowKeepEverySessionsCleanEntry: the five
// slice flushes of one lazy window start one generation of the pending
// set's clean entries, not five, so that a session pushed once a window
// is checked and read at its next push without touching the file; the
// entries still expire once nothing writes them.
func TestLazyFlush_SlicesOfOneWindowKeepEverySessionsCleanEntry(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	const window = 1000 * time.Hour // the writer's own timer never fires
	s, _ := openTemp(t, WithUpdateWindow(window), WithLazyWindow(window))
	recs := createMany(t, s, 100, time.Now().UTC(), "gen")
	for i, r := range recs {
		recs[i] = nextRev(t, r, i)
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	var slots []time.Time
	for k := range lazySlices {
		if since := s.pending.lazySince[k].Load(); since != 0 {
			slots = append(slots, lazySlot(k, since, window))
		}
	}
	require.Greater(t, len(slots), 2, "sessions in several slices")
	slices.SortFunc(slots, time.Time.Compare)
	flushAt := func(now time.Time) {
		t.Helper()
		require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error { s.flushDue(now); return nil }}))
	}
	for _, slot := range slots {
		flushAt(slot)
	}
	for _, r := range recs {
		require.Equal(t, r.Rev, storedRev(t, s, r.ID))
	}
	require.Equal(t, int64(len(recs)), s.pending.kept.Load(), "every session keeps its clean entry through the window")

	later := slots[len(slots)-1].Add(2 * window)
	flushAt(later)
	flushAt(later.Add(time.Second))
	require.Zero(t, s.pending.kept.Load(), "clean entries expire once nothing writes them")
}
