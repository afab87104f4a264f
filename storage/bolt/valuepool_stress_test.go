package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fault"
	"github.com/livefir/statetemplate/session"
)

// sentRecords remembers every revision a session was given (the record's
// Data by Rev), for a reader to tell whether what the file holds is one
// of the session's own records.
type sentRecords struct {
	mu   sync.Mutex
	data map[session.ID]map[uint64][]byte
}

func (r *sentRecords) add(rec *session.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.data[rec.ID] == nil {
		r.data[rec.ID] = map[uint64][]byte{}
	}
	r.data[rec.ID][rec.Rev] = rec.Data
}

func (r *sentRecords) get(id session.ID, rev uint64) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.data[id][rev]
	return d, ok
}

// poolRec returns the next revision of cur with data of size bytes that
// name the session and the revision, so that no two records share Data.
func poolRec(t *testing.T, cur *session.Record, size int) *session.Record {
	t.Helper()
	c := cur.Clone()
	c.Rev++
	mark := fmt.Sprintf("%s/%d;", cur.ID.Short(), c.Rev)
	d := &testData{Name: strings.Repeat(mark, size/len(mark)+1)[:size], N: int(c.Rev)}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	c.Data, c.Value = enc, d
	return c
}

// TestLazyFlush_PooledValuesStayEachSessionsOwnThroughFaultsAndCompaction
// writes sessions of very different sizes (some larger than the pool
// keeps), lazy and not, from several goroutines, while the writer's
// flushes build records in the arrays of the values they committed
// before, writes fail and recover, and the file is compacted. Meanwhile
// readers check that every record the file holds is one its own session
// was given, byte for byte; at the end, after reopening, every session
// holds its latest accepted record.
func TestLazyFlush_PooledValuesStayEachSessionsOwnThroughFaultsAndCompaction(t *testing.T) {
	poolStress(t, 4*time.Millisecond, 0)
}

// TestLullFlush_PooledValuesStayEachSessionsOwnThroughLullsAndFaults is
// the same with pushes in bursts and pauses longer than the lull, in a
// window that waits for them: the writer's flushes start in the pauses and
// give way to the next burst, keeping the values they encoded.
func TestLullFlush_PooledValuesStayEachSessionsOwnThroughLullsAndFaults(t *testing.T) {
	poolStress(t, 300*time.Millisecond, lazyLull+5*time.Millisecond)
}

// poolStress runs the pooled values' stress test with lazyWindow, the
// writers pausing for pause after each round.
func poolStress(t *testing.T, lazyWindow, pause time.Duration) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, path := openTemp(t, WithUpdateWindow(time.Millisecond), WithLazyWindow(lazyWindow))
	now := time.Now().UTC()
	// Sizes from a few bytes to five pages: values of a page or more
	// need runs of free pages, and the file must not grow under a fault
	// (see below). Arrays too large to pool are TestValuePool_KeepsArraysUpToItsBoundsOnly's.
	sizes := []int{40, 300, 1800, 5000, 20 << 10}
	const workers, perWorker, rounds = 4, 12, 40
	sent := &sentRecords{data: map[session.ID]map[uint64][]byte{}}
	// The file grown first, so that the flushes under faults find free
	// pages: the fault's descriptor (/dev/full) makes bbolt's remap of a
	// growing file map zeros and give up its map for good, which a real
	// full disk never does (then nothing recovers and the test fails).
	var filler []*session.Record
	for range 200 {
		r := poolRec(t, newRec(t, now, time.Hour, "f"), 70<<10)
		r.Rev = 1
		require.NoError(t, s.Create(ctx, r))
		filler = append(filler, r)
	}
	for _, r := range filler {
		require.NoError(t, s.Delete(ctx, r.ID))
	}
	latest := make([][]*session.Record, workers)
	for w := range latest {
		latest[w] = make([]*session.Record, perWorker)
		for i := range latest[w] {
			r := newRec(t, now, time.Hour, "p")
			require.NoError(t, s.Create(ctx, r))
			sent.add(r)
			latest[w][i] = r
		}
	}

	stop := make(chan struct{})
	var bg sync.WaitGroup
	bgErr := make(chan error, 8)
	ids := make([][]session.ID, workers)
	for w := range workers {
		for _, r := range latest[w] {
			ids[w] = append(ids[w], r.ID)
		}
	}
	for seed := range uint64(2) { // readers of the file
		bg.Go(func() {
			rnd := rand.New(rand.NewPCG(seed, 4))
			for {
				select {
				case <-stop:
					return
				default:
				}
				id := ids[rnd.IntN(workers)][rnd.IntN(perWorker)]
				v, err := s.readValue(id)
				if err != nil || v == nil {
					continue
				}
				rec, err := decodeValue(id, v, false)
				if err != nil {
					bgErr <- fmt.Errorf("session %s: the file's record does not decode: %w", id.Short(), err)
					return
				}
				if want, ok := sent.get(id, rec.Rev); !ok || !bytes.Equal(want, rec.Data) {
					bgErr <- fmt.Errorf("session %s rev %d: the file holds a record the session was never given", id.Short(), rec.Rev)
					return
				}
			}
		})
	}

	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			errc <- func() error {
				rnd := rand.New(rand.NewPCG(uint64(w), 99))
				for round := range rounds {
					for i, cur := range latest[w] {
						next := poolRec(t, cur, sizes[rnd.IntN(len(sizes))])
						c := ctx
						if rnd.IntN(4) != 0 {
							c = lazy
						}
						sent.add(next)
						if err := s.Update(c, next); err != nil {
							if errors.Is(err, session.ErrStoreUnavailable) {
								time.Sleep(time.Millisecond)
								continue // refused while writes fail: not accepted
							}
							return fmt.Errorf("round %d: %w", round, err)
						}
						latest[w][i] = next
						got, err := s.Get(ctx, cur.ID)
						if err != nil {
							return err
						}
						if !bytes.Equal(got.Data, next.Data) {
							return fmt.Errorf("session %s: Get returned another record", cur.ID.Short())
						}
					}
					time.Sleep(pause)
				}
				return nil
			}()
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for k := 0; ; k++ {
		select {
		case <-done:
		default:
			time.Sleep(3 * time.Millisecond)
			if k%4 == 3 {
				restore := fault.FailWrites(t, path)
				time.Sleep(5 * time.Millisecond)
				restore()
			}
			continue
		}
		break
	}
	for range workers {
		require.NoError(t, <-errc)
	}
	close(stop)
	bg.Wait()
	close(bgErr)
	for err := range bgErr {
		require.NoError(t, err)
	}
	// A commit whose write began under the last fault may still be in
	// flight: the writer notes its failure when it returns, which on a
	// loaded machine can come after a health check has passed (and then
	// Compact below is refused, rightly). A flush through the writer,
	// which runs one request at a time, returns after that commit; the
	// file is back, so it commits what is pending, and the writer's
	// retries clear a failure noted before it.
	require.NoError(t, s.flushAll(ctx))
	require.Eventually(t, func() bool { return s.HealthCheck(ctx) == nil }, 5*time.Second, 5*time.Millisecond, "%v", s.HealthCheck(ctx))
	require.NoError(t, s.Compact(ctx))
	for w := range latest { // a lazy window more, in the compacted file, with the arrays pooled before
		for i, cur := range latest[w] {
			next := poolRec(t, cur, sizes[(w+i)%len(sizes)])
			sent.add(next)
			require.NoError(t, s.Update(lazy, next))
			latest[w][i] = next
		}
	}
	require.NoError(t, s.Close())

	again, err := Open(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, again.Close()) }()
	for w := range latest {
		for _, want := range latest[w] {
			got, err := again.Get(ctx, want.ID)
			require.NoError(t, err)
			require.Equal(t, want.Rev, got.Rev, "session %s", want.ID.Short())
			require.Equal(t, want.Data, got.Data, "session %s", want.ID.Short())
		}
	}
	rep, err := again.Check(ctx)
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
}
