package statetemplate_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/fault"
	"github.com/livefir/statetemplate/internal/testlog"
	"github.com/livefir/statetemplate/storage/bolt"
)

// TestBolt_FailingWritesAreReportedAndNotAcknowledged: with the session
// file's disk refusing writes, Health says so, a warning is logged, and
// RenderFragments fails with ErrStoreUnavailable instead of answering
// with updates that would be lost — until the disk takes writes again.
func TestBolt_FailingWritesAreReportedAndNotAcknowledged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	var logs testlog.Buffer
	r, err := statetemplate.New(redisTmpl,
		statetemplate.WithBoltStore(path, bolt.WithUpdateWindow(20*time.Millisecond)),
		statetemplate.WithDataTypes(&redisPage{}),
		statetemplate.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	defer r.Close()
	tok, err := r.CreateSession(ctx, &redisPage{Title: "t", Count: 0})
	require.NoError(t, err)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, statetemplate.HealthOK, r.Health(ctx).Status)

	restore := fault.FailWrites(t, path)
	count := 0
	require.Eventually(t, func() bool {
		_, err := s.RenderFragments(ctx, &redisPage{Title: "t", Count: count + 1})
		if err == nil {
			count++ // acknowledged before the failure was known: one window's worth at most
			return false
		}
		require.ErrorIs(t, err, statetemplate.ErrStoreUnavailable)
		return true
	}, 5*time.Second, 5*time.Millisecond, "updates are refused once a write failed")
	h := r.Health(ctx)
	require.Equal(t, statetemplate.HealthUnavailable, h.Status)
	require.Contains(t, h.Error, "writes have failed")
	require.Contains(t, logs.String(), "session file writes are failing")
	_, err = r.CreateSession(ctx, &redisPage{})
	require.ErrorIs(t, err, statetemplate.ErrStoreUnavailable)

	restore()
	require.Eventually(t, func() bool { return r.Health(ctx).Status == statetemplate.HealthOK }, 5*time.Second, 5*time.Millisecond)
	_, err = s.RenderFragments(ctx, &redisPage{Title: "t", Count: count + 1})
	require.NoError(t, err)
}

func TestBolt_EmptySessionFileIsAnErrorNamingItNotAFreshStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err := statetemplate.New(redisTmpl, statetemplate.WithBoltStore(path), statetemplate.WithDataTypes(&redisPage{}))
	require.ErrorIs(t, err, bolt.ErrNotSessionFile)
	require.ErrorContains(t, err, path)
	require.ErrorContains(t, err, "empty (0 bytes)")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Zero(t, fi.Size(), "no new key was written into it")
}
