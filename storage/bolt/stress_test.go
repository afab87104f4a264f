package bolt

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// TestStress_ConcurrentWritersFlushesAndSweepsStayConsistent runs
// updates, reads, flushes, expiry walks and deletions of many sessions at
// once with a short window, then checks that every surviving session
// holds its last update and that index, sessions and count agree.
func TestStress_ConcurrentWritersFlushesAndSweepsStayConsistent(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t, WithUpdateWindow(2*time.Millisecond))
	now := time.Now().UTC()
	const workers, perWorker, rounds = 8, 12, 60
	final := make([][]*session.Record, workers)
	var wg sync.WaitGroup
	errc := make(chan error, workers+1)
	for w := range workers {
		wg.Go(func() {
			errc <- func() error {
				recs := make([]*session.Record, perWorker)
				for i := range recs {
					recs[i] = newRec(t, now, time.Hour, "stress")
					if i%2 == 1 { // their deadline moves with every update
						recs[i].IdleTimeout = 10 * time.Minute
					}
					if err := s.Create(ctx, recs[i]); err != nil {
						return err
					}
				}
				for r := range rounds {
					for i, cur := range recs {
						if cur == nil {
							continue
						}
						next := nextRev(t, cur, r)
						next.LastAccess = now.Add(time.Duration(r) * time.Second)
						if err := s.Update(ctx, next); err != nil {
							return err
						}
						recs[i] = next
						got, err := s.Get(ctx, cur.ID)
						if err != nil {
							return err
						}
						if got.Rev != next.Rev {
							return errors.New("Get missed the latest update")
						}
						if r == rounds/2 && i%3 == 0 {
							if err := s.Delete(ctx, cur.ID); err != nil {
								return err
							}
							recs[i] = nil
						}
						if i == 0 && r%5 == 0 {
							if err := s.Flush(ctx, cur.ID); err != nil {
								return err
							}
						}
					}
				}
				final[w] = recs
				return nil
			}()
		})
	}
	stop := make(chan struct{})
	wg.Go(func() { // a sweeper walking the index meanwhile
		for {
			select {
			case <-stop:
				errc <- nil
				return
			default:
			}
			if _, err := s.Expired(ctx, now.Add(30*time.Minute), 64); err != nil {
				errc <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	for range workers {
		require.NoError(t, <-errc)
	}
	close(stop)
	wg.Wait()
	require.NoError(t, <-errc)
	require.NoError(t, s.Close())

	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	want := 0
	for _, recs := range final {
		for _, r := range recs {
			if r == nil {
				continue
			}
			want++
			got, err := s2.Get(ctx, r.ID)
			require.NoError(t, err)
			require.Equal(t, r.Rev, got.Rev)
			require.Equal(t, r.Data, got.Data)
		}
	}
	rep, err := s2.Check(ctx)
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
	require.Equal(t, want, rep.Sessions)
}
