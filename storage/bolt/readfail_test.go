package bolt

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// TestUpdate_OfASessionTheFileCannotBeReadForIsUnavailableNotMissing: an
// update of a session with no pending write reads its stored revision
// from the file; when the file cannot be read (here its bbolt handle is
// gone, as after a failed remap), the update fails as the store being
// unavailable — as Get does — and not as the session missing, which makes
// the session manager end the session.
func TestUpdate_OfASessionTheFileCannotBeReadForIsUnavailableNotMissing(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	r := newRec(t, time.Now().UTC(), time.Hour, "unread")
	require.NoError(t, s.Create(ctx, r))
	require.NoError(t, s.Close())
	s, err := Open(path) // no pending entry: Update reads the file
	require.NoError(t, err)
	defer func() { _ = s.Close() }()

	s.dbMu.Lock()
	require.NoError(t, s.db.Close())
	s.dbMu.Unlock()

	_, err = s.Get(ctx, r.ID)
	require.ErrorIs(t, err, session.ErrStoreUnavailable)
	require.NotErrorIs(t, err, session.ErrSessionNotFound, "Get: the file is unreadable, the session not missing")
	err = s.Update(ctx, nextRev(t, r, 1))
	require.ErrorIs(t, err, session.ErrStoreUnavailable)
	require.NotErrorIs(t, err, session.ErrSessionNotFound, "Update: the file is unreadable, the session not missing")
	err = s.Update(session.WithLazyWrite(ctx), nextRev(t, r, 1))
	require.ErrorIs(t, err, session.ErrStoreUnavailable)
	require.NotErrorIs(t, err, session.ErrSessionNotFound, "a lazy Update likewise")
}
