package bolt

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fault"
	"github.com/livefir/statetemplate/session"
)

// TestWriteFailure_TheWritesLeftKeepTheirDeadlines: a flush whose commit
// fails leaves its writes pending with the deadlines they had, so that
// the retry that succeeds, when it gives way to a new session after its
// first transaction, leaves the rest due within their window. They were
// left with none: the lazy ones waited for another lazy write of their
// slice, a sweep or Close — past their window, lost by a crash.
func TestWriteFailure_TheWritesLeftKeepTheirDeadlines(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, path := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(1000*time.Hour))
	const k = 3
	recs := createInSlice(t, s, maxWritesPerTx+100, k, time.Now().UTC()) // two transactions
	for i, r := range recs {
		recs[i] = nextRev(t, r, i)
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	action := nextRev(t, recs[0], 0)
	require.NoError(t, s.Update(ctx, action))
	p := &s.pending
	since, queued := p.lazySince[k].Load(), p.queuedSince.Load()
	require.NotZero(t, since)
	require.NotZero(t, queued)

	restore := fault.FailWrites(t, path)
	err := s.submit(ctx, &op{kind: opExclusive, fn: func() error { return s.flush(allLazy, true, -1) }})
	require.ErrorIs(t, err, session.ErrStoreUnavailable)
	require.Equal(t, since, p.lazySince[k].Load(), "the lazy writes keep their oldest write's time")
	require.Equal(t, queued, p.queuedSince.Load(), "so do the others")
	restore()

	var retry error
	var left, leftSince int64
	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error {
		s.writeHook = func(time.Duration) { // a new session waits for the writer
			if len(s.ops) == 0 {
				s.ops <- &op{kind: opFlush, done: make(chan struct{})}
			}
		}
		retry = s.flush(allLazy, true, -1) // the writer's retry (see flushDue)
		s.writeHook = nil
		left, leftSince = p.n.Load(), p.lazySince[k].Load()
		return nil
	}}))
	require.NoError(t, retry)
	require.Positive(t, left, "the retry gave way after its first transaction")
	require.Equal(t, since, leftSince, "the writes left are due within their window")
}
