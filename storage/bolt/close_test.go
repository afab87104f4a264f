package bolt

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// TestClose_KeepsEveryUpdateItAcknowledgedMeanwhile: an Update that
// returns nil while Close runs is in the file Close leaves, lazy or not —
// an update accepted after Close's last flush was acknowledged and lost.
func TestClose_KeepsEveryUpdateItAcknowledgedMeanwhile(t *testing.T) {
	for round := range 30 {
		path := filepath.Join(t.TempDir(), "sessions.db")
		s, err := Open(path, WithUpdateWindow(time.Hour), WithLazyWindow(time.Hour))
		require.NoError(t, err)
		ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
		now := time.Now().UTC()
		const writers = 8
		recs := make([]*session.Record, writers)
		for i := range recs {
			recs[i] = newRec(t, now, time.Hour, "w")
			require.NoError(t, s.Create(ctx, recs[i]))
		}
		acked := make([]uint64, writers) // the last revision Update took
		for i, r := range recs {
			acked[i] = r.Rev
		}
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := recs[i]
				for n := 1; ; n++ {
					next := nextRev(t, r, n)
					c := ctx
					if n%2 == 0 {
						c = lazy
					}
					if s.Update(c, next) != nil {
						return
					}
					r, acked[i] = next, next.Rev
				}
			}()
		}
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		require.NoError(t, s.Close())
		wg.Wait()

		s, err = Open(path)
		require.NoError(t, err)
		for i, r := range recs {
			require.Equal(t, acked[i], storedRev(t, s, r.ID), "round %d: session %d's last acknowledged update is in the file", round, i)
		}
		require.NoError(t, s.Close())
	}
}
