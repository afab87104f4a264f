package bolt

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

func TestExpired_WalksIndexAndStaysConsistentAsDeadlinesMove(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t, WithUpdateWindow(5*time.Millisecond))
	now := time.Now().UTC()
	var idle []*session.Record
	for i := range 40 {
		r := newRec(t, now, 24*time.Hour, "idle")
		r.IdleTimeout = time.Duration(i+1) * time.Minute
		require.NoError(t, s.Create(ctx, r))
		idle = append(idle, r)
	}
	// Half of them are used: their idle deadline moves past the horizon.
	horizon := now.Add(45 * time.Minute)
	for i, r := range idle {
		if i%2 == 0 {
			u := nextRev(t, r, 1)
			u.LastAccess = now.Add(time.Hour)
			require.NoError(t, s.Update(ctx, u))
			idle[i] = u
		}
	}
	ids, err := s.Expired(ctx, horizon, 1000)
	require.NoError(t, err)
	var want []session.ID
	for i, r := range idle {
		if i%2 == 1 && r.Deadline().Compare(horizon) <= 0 {
			want = append(want, r.ID)
		}
	}
	require.Equal(t, want, ids, "due sessions, earliest first, none that moved")

	rep, err := s.Check(ctx)
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
	require.Equal(t, 40, rep.IndexEntries)

	for _, id := range ids {
		require.NoError(t, s.Delete(ctx, id))
	}
	ids, err = s.Expired(ctx, horizon, 1000)
	require.NoError(t, err)
	require.Empty(t, ids)
	rep, err = s.Check(ctx)
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
	require.Equal(t, 40-len(want), rep.Sessions)
}

func TestExpired_LimitBoundsTheResult(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Now().UTC()
	for i := range 30 {
		require.NoError(t, s.Create(ctx, newRec(t, now.Add(-time.Duration(i)*time.Minute), time.Minute, "x")))
	}
	ids, err := s.Expired(ctx, now, 7)
	require.NoError(t, err)
	require.Len(t, ids, 7)
	var prev time.Time
	require.NoError(t, s.WalkExpiry(ctx, func(d time.Time, id session.ID) error {
		require.False(t, d.Before(prev), "index walk is earliest first")
		prev = d
		return nil
	}))
}

func TestBackup_IsAnOpenableCopyTakenWhileServing(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t, WithUpdateWindow(time.Hour))
	now := time.Now().UTC()
	r := newRec(t, now, time.Hour, "b")
	require.NoError(t, s.Create(ctx, r))
	u := nextRev(t, r, 3)
	require.NoError(t, s.Update(ctx, u)) // pending: Backup commits it first

	var buf bytes.Buffer
	n, err := s.Backup(ctx, &buf)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n)
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, os.WriteFile(copyPath, buf.Bytes(), 0o600))

	ro, err := OpenReadOnly(copyPath, time.Second)
	require.NoError(t, err)
	defer ro.Close()
	got, err := ro.Get(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, u.Rev, got.Rev)
	require.ErrorIs(t, ro.Create(ctx, newRec(t, now, time.Hour, "ro")), ErrReadOnly)
	st, err := ro.Stats()
	require.NoError(t, err)
	require.Equal(t, 1, st.Sessions)
	require.Equal(t, uint32(LayoutVersion), st.LayoutVersion)
}

func TestCompact_KeepsSessionsAndShrinksFile(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	now := time.Now().UTC()
	var keep, all []*session.Record
	for i := range 2000 {
		r := newRec(t, now.Add(-2*time.Hour), time.Hour, string(bytes.Repeat([]byte("p"), 400)))
		if i%20 == 0 {
			r = newRec(t, now, time.Hour, "keep")
			keep = append(keep, r)
		}
		all = append(all, r)
	}
	var wg sync.WaitGroup
	for w := range 16 { // concurrent creators share commits
		wg.Go(func() {
			for i := w; i < len(all); i += 16 {
				assert.NoError(t, s.Create(ctx, all[i]))
			}
		})
	}
	wg.Wait()
	for {
		ids, err := s.Expired(ctx, now, 512)
		require.NoError(t, err)
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			require.NoError(t, s.Delete(ctx, id))
		}
	}
	before, err := s.Stats()
	require.NoError(t, err)
	require.Positive(t, before.FreePages)
	require.NoError(t, s.Compact(ctx))
	after, err := s.Stats()
	require.NoError(t, err)
	require.Less(t, after.FileSize, before.FileSize)
	require.Equal(t, len(keep), after.Sessions)
	for _, r := range keep {
		_, err := s.Get(ctx, r.ID)
		require.NoError(t, err)
	}
	_, err = os.Stat(path + ".compact")
	require.ErrorIs(t, err, os.ErrNotExist)
	// The store keeps working on the new file.
	require.NoError(t, s.Create(ctx, newRec(t, now, time.Hour, "after")))
	rep, err := s.Check(ctx)
	require.NoError(t, err)
	require.True(t, rep.Consistent(), "%+v", rep)
}
