package bolt

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fault"
	"github.com/livefir/statetemplate/internal/testlog"
	"github.com/livefir/statetemplate/session"
)

// TestWriteFailure_RefusesWritesReportsUnhealthyLogsAndRecovers: once a
// commit fails, the store says so — HealthCheck fails, a warning names the
// file and the sessions whose acknowledged updates are not yet written —
// and refuses further updates and sessions, so that nothing more is
// acknowledged that cannot be written. When writes succeed again, so does
// everything, and the waiting updates reach the file.
func TestWriteFailure_RefusesWritesReportsUnhealthyLogsAndRecovers(t *testing.T) {
	ctx := context.Background()
	var logs testlog.Buffer
	s, path := openTemp(t, WithUpdateWindow(20*time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	now := time.Now().UTC()
	a, b := newRec(t, now, time.Hour, "a"), newRec(t, now, time.Hour, "b")
	require.NoError(t, s.Create(ctx, a))
	require.NoError(t, s.Create(ctx, b))
	require.NoError(t, s.HealthCheck(ctx))

	restore := fault.FailWrites(t, path)
	a2 := nextRev(t, a, 2)
	require.NoError(t, s.Update(ctx, a2), "accepted within the window, before any write failed")
	require.Eventually(t, func() bool { return s.HealthCheck(ctx) != nil }, 5*time.Second, 5*time.Millisecond,
		"health reports the failing writes")
	err := s.HealthCheck(ctx)
	require.ErrorIs(t, err, session.ErrStoreUnavailable)
	require.ErrorContains(t, err, "writes")

	err = s.Update(ctx, nextRev(t, b, 2))
	require.ErrorIs(t, err, session.ErrStoreUnavailable, "an update that cannot be written is refused")
	err = s.Create(ctx, newRec(t, now, time.Hour, "c"))
	require.ErrorIs(t, err, session.ErrStoreUnavailable, "so is a new session")
	got, err := s.Get(ctx, a.ID)
	require.NoError(t, err, "reads go on")
	require.Equal(t, a2.Rev, got.Rev, "the accepted update is still held")

	out := logs.String()
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, path)
	assert.Contains(t, out, a.ID.Short(), "the session whose update waits to be written is named")
	assert.Equal(t, 1, strings.Count(out, "level=WARN"), "one warning for the failure, not one per retry: %s", out)

	restore()
	require.Eventually(t, func() bool { return s.HealthCheck(ctx) == nil }, 5*time.Second, 5*time.Millisecond,
		"the store retries, and recovers by itself")
	b2 := nextRev(t, b, 2)
	require.NoError(t, s.Update(ctx, b2))
	require.NoError(t, s.Create(ctx, newRec(t, now, time.Hour, "c")))
	assert.Contains(t, logs.String(), "level=INFO", "the recovery is logged")
	require.NoError(t, s.Close())

	s, err = Open(path)
	require.NoError(t, err)
	defer s.Close()
	for _, want := range []*session.Record{a2, b2} {
		got, err := s.Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want.Rev, got.Rev, "the update reached the file")
	}
}

// TestWriteFailure_OfANewSessionFailsItsCreateAndIsReported: a failed
// create commit fails CreateSession itself, and health reports it even
// with no update waiting.
func TestWriteFailure_OfANewSessionFailsItsCreateAndIsReported(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t, WithUpdateWindow(20*time.Millisecond))
	restore := fault.FailWrites(t, path)
	err := s.Create(ctx, newRec(t, time.Now().UTC(), time.Hour, "x"))
	require.ErrorIs(t, err, session.ErrStoreUnavailable)
	require.ErrorIs(t, s.HealthCheck(ctx), session.ErrStoreUnavailable)
	restore()
	require.Eventually(t, func() bool { return s.HealthCheck(ctx) == nil }, 5*time.Second, 5*time.Millisecond,
		"a probe write finds the file writable again")
	require.NoError(t, s.Create(ctx, newRec(t, time.Now().UTC(), time.Hour, "y")))
}
