package bolt

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// TestLullFlush_KeptValuesNeverOutliveTheirWrite: the values a flush
// encoded before giving way to a push stay with their writes; a newer
// write of the same session, or its deletion, replaces them, and the
// next flushes — building records in the arrays of the values they
// committed — write each session's latest record and nothing of another's.
func TestLullFlush_KeptValuesNeverOutliveTheirWrite(t *testing.T) {
	ctx, lazy := context.Background(), session.WithLazyWrite(context.Background())
	s, _ := openTemp(t, WithUpdateWindow(time.Hour), WithLazyWindow(1000*time.Hour))
	recs := createMany(t, s, 100, time.Now().UTC(), "kept")
	for i, r := range recs {
		recs[i] = nextRev(t, r, i)
		require.NoError(t, s.Update(lazy, recs[i]))
	}
	var kept []flushEntry
	require.NoError(t, s.submit(ctx, &op{kind: opExclusive, fn: func() error {
		var sl session.Sealer
		out, _ := s.encodeLazy(&sl, s.pending.ordered(allLazy), func() bool { return true }) // a push: it stops at its first check
		kept = append(kept, out...)
		return nil
	}}))
	require.NotEmpty(t, kept)
	for _, e := range kept {
		require.NotNil(t, e.w.value)
	}
	gone := map[session.ID]bool{}
	for i, e := range kept {
		idx := slices.IndexFunc(recs, func(r *session.Record) bool { return r.ID == e.id })
		switch i % 3 {
		case 0: // a newer push
			recs[idx] = nextRev(t, recs[idx], 1000+i)
			require.NoError(t, s.Update(lazy, recs[idx]))
		case 1: // an action
			recs[idx] = nextRev(t, recs[idx], 2000+i)
			require.NoError(t, s.Update(ctx, recs[idx]))
		}
	}
	for i, e := range kept {
		if i%3 == 2 { // the session ends (fsynced: every pending write is committed)
			require.NoError(t, s.Delete(ctx, e.id))
			gone[e.id] = true
		}
	}
	for range 2 { // the second flush builds its records in the first's arrays
		for i, r := range recs {
			if gone[r.ID] {
				continue
			}
			recs[i] = nextRev(t, r, 3000+i)
			require.NoError(t, s.Update(lazy, recs[i]))
		}
		require.NoError(t, s.flushAll(ctx)) // Flush(ctx, id) of a deleted id has nothing to flush
		for _, r := range recs {
			v, err := s.readValue(r.ID)
			require.NoError(t, err)
			if gone[r.ID] {
				require.Nil(t, v, "a deleted session never comes back")
				continue
			}
			got, err := decodeValue(r.ID, v, false)
			require.NoError(t, err)
			require.Equal(t, r.Rev, got.Rev, "session %s", r.ID.Short())
			require.Equal(t, r.Data, got.Data, "session %s: its own latest data", r.ID.Short())
		}
	}
}
