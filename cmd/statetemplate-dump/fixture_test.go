package main

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/bolt"
)

// t0 is the fixed "now" of every golden test.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type testTask struct {
	ID    string
	Title string
	Done  bool
	Due   time.Time
}

type testDashboard struct {
	Title   string
	User    string
	Counter int
	Ratio   float64
	Tags    []string
	Tasks   []testTask
	Visits  map[string]int
	Avatar  []byte
	Updated time.Time
	Note    *string
	Empty   string
}

type testCounter struct {
	Label string
	Count int
}

// fixtureStrings are the text values of the fixture's data: the redaction
// test searches the output for each of them.
func fixtureDashboard() *testDashboard {
	note := "private-note-quokka-5521"
	return &testDashboard{
		Title:   "Quarterly-Report-Zephyr",
		User:    "alice.wonder@example.test",
		Counter: 42,
		Ratio:   0.75,
		Tags:    []string{"tag-alpha-91", "tag-beta-92"},
		Tasks: []testTask{
			{ID: "task-7731", Title: "Buy-oat-milk-7731", Due: t0.Add(48 * time.Hour)},
			{ID: "task-7732", Title: "Call-the-plumber-7732", Done: true},
		},
		Visits:  map[string]int{"home": 3, "settings": 1},
		Avatar:  []byte("avatar-bytes-PNG-0042"),
		Updated: t0.Add(-time.Hour),
		Note:    &note,
	}
}

func mustID(t testing.TB, s string) session.ID {
	t.Helper()
	id, err := session.ParseID(s)
	require.NoError(t, err)
	return id
}

// Fixture session ids. The 2c prefix is shared by two of them, so that a
// short prefix is ambiguous.
const (
	idDashboard = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	idCounter   = "1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b"
	idOld       = "2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c"
	idRecent    = "2c2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d"
)

const fixtureKeyID = 0x5eed1234

// fixtureRecords returns the fixture's sessions at t0: a live dashboard
// with fragments, a live counter with an idle timeout, one expired two
// hours ago (not swept) and one expired a minute ago.
func fixtureRecords(t testing.TB) []*session.Record {
	t.Helper()
	rec := func(id string, data any, created time.Time, ttl time.Duration) *session.Record {
		enc, err := session.EncodeData(data)
		require.NoError(t, err)
		return &session.Record{
			Format: session.FormatVersion, ID: mustID(t, id), KeyID: fixtureKeyID, Rev: 1,
			Created: created, LastAccess: created, ExpiresAt: created.Add(ttl),
			DataType: session.TypeName(data), Data: enc,
		}
	}
	dash := rec(idDashboard, fixtureDashboard(), t0.Add(-3*time.Hour), 24*time.Hour)
	dash.Rev, dash.LastAccess = 7, t0.Add(-time.Minute)
	dash.Fragments = &fragments.State{
		Format:   1,
		IDs:      []string{"", "header", "task-list", "task-7731", "task-7732"},
		Parents:  []uint32{0, 0, 0, 2, 2},
		Hashes:   []uint64{0x1111, 0xa1b2c3d4e5f60718, 0x2222, 0x3333, 0x4444},
		Anchors:  []uint32{0, 10, 52, 0, 0},
		PageHash: 0xfeedfacecafebeef,
	}
	counter := rec(idCounter, &testCounter{Label: "clicks-counter-label", Count: 9}, t0.Add(-30*time.Minute), 24*time.Hour)
	counter.IdleTimeout = time.Hour
	counter.KeyID = 0x0badc0de
	old := rec(idOld, &testCounter{Label: "stale-session-label", Count: 1}, t0.Add(-26*time.Hour), 24*time.Hour)
	recent := rec(idRecent, &testCounter{Label: "just-expired-label", Count: 2}, t0.Add(-24*time.Hour-time.Minute), 24*time.Hour)
	return []*session.Record{dash, counter, old, recent}
}

// fixtureKey is the signing key the fixture file keeps.
func fixtureKey() []byte {
	b, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	return b
}

// writeFixture creates a session file at dir/name holding recs and the
// fixture signing key, through storage/bolt, and returns its path.
func writeFixture(t testing.TB, dir, name string, recs []*session.Record) string {
	t.Helper()
	path := filepath.Join(dir, name)
	st, err := bolt.Open(path, bolt.WithClock(func() time.Time { return t0 }), bolt.WithSyncUpdates())
	require.NoError(t, err)
	ctx := context.Background()
	_, err = st.LoadOrCreateKey(ctx, fixtureKey)
	require.NoError(t, err)
	for _, r := range recs {
		require.NoError(t, st.Create(ctx, r))
	}
	require.NoError(t, st.Close())
	return path
}
