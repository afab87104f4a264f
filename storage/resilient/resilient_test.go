package resilient_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/session/storetest"
	"github.com/livefir/statetemplate/storage/memory"
	rstore "github.com/livefir/statetemplate/storage/redis"
	"github.com/livefir/statetemplate/storage/redis/redistest"
	"github.com/livefir/statetemplate/storage/resilient"
)

type data struct{ Text string }

func newRec(t *testing.T, text string) *session.Record {
	t.Helper()
	now := time.Now().UTC()
	d := &data{Text: text}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	return &session.Record{Format: session.FormatVersion, ID: session.NewID(), Rev: 1,
		Created: now, LastAccess: now, ExpiresAt: now.Add(time.Hour),
		DataType: session.TypeName(d), Data: enc, Value: d}
}

func nextRec(t *testing.T, r *session.Record, text string) *session.Record {
	t.Helper()
	c := r.Clone()
	c.Rev++
	d := &data{Text: text}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	c.Data, c.Value = enc, d
	return c
}

func textOf(t *testing.T, r *session.Record) string {
	t.Helper()
	var d data
	require.NoError(t, session.DecodeData(r.Data, &d))
	return d.Text
}

// primaries are the two kinds of primary reconciliation meets: one with
// Replace (Redis) and one without (memory).
var primaries = []struct {
	name string
	new  func(t *testing.T) (session.Store, *flaky)
}{
	{"MemoryPrimary", func(t *testing.T) (session.Store, *flaky) {
		f := &flaky{Store: memory.New(-1)}
		return f, f
	}},
	{"RedisPrimary", func(t *testing.T) (session.Store, *flaky) {
		c := redistest.Client(t)
		rs, err := rstore.New(c, rstore.Config{Prefix: redistest.Prefix(t, c)})
		require.NoError(t, err)
		f := &flaky{Store: rs}
		return flakyReplacer{f}, f
	}},
}

func newResilient(t *testing.T, primary session.Store, cfg resilient.Config) *resilient.Store {
	t.Helper()
	if cfg.ProbeInterval == 0 {
		cfg.ProbeInterval = 5 * time.Millisecond
	}
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = 500 * time.Millisecond
	}
	s := resilient.New(primary, cfg)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func waitRecovered(t *testing.T, s *resilient.Store) {
	t.Helper()
	require.Eventually(t, func() bool { return !s.Degraded() }, 5*time.Second, 5*time.Millisecond, "store did not recover")
}

func TestStoreContract_HealthyPrimary(t *testing.T) {
	for _, tc := range []struct {
		name    string
		primary func(t *testing.T) session.Store
	}{
		{"MemoryPrimary", func(t *testing.T) session.Store { return memory.New(-1) }},
		{"RedisPrimary", func(t *testing.T) session.Store {
			c := redistest.Client(t)
			rs, err := rstore.New(c, rstore.Config{Prefix: redistest.Prefix(t, c)})
			require.NoError(t, err)
			return rs
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) session.Store {
				return resilient.New(tc.primary(t), resilient.Config{})
			})
		})
	}
}

func TestReconcile(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		cfg  resilient.Config
		// run performs the outage (the primary is down from its start to
		// its end) and returns a check on the primary after recovery.
		run func(t *testing.T, s *resilient.Store, f *flaky) func(t *testing.T, st resilient.Status)
	}{
		{"CreatedDuringOutage_IsWrittenBack", resilient.Config{}, func(t *testing.T, s *resilient.Store, f *flaky) func(*testing.T, resilient.Status) {
			f.down.Store(true)
			r := newRec(t, "born offline")
			require.NoError(t, s.Create(ctx, r))
			require.True(t, s.Degraded())
			got, err := s.Get(ctx, r.ID)
			require.NoError(t, err, "served from the fallback")
			require.Equal(t, r.ID, got.ID)
			return func(t *testing.T, st resilient.Status) {
				got, err := f.Store.Get(ctx, r.ID)
				require.NoError(t, err)
				require.Equal(t, "born offline", textOf(t, got))
				require.EqualValues(t, 1, st.Reconciled)
			}
		}},
		{"UpdatedDuringOutage_PrimaryUnchanged_IsWrittenBack", resilient.Config{}, func(t *testing.T, s *resilient.Store, f *flaky) func(*testing.T, resilient.Status) {
			r := newRec(t, "before")
			require.NoError(t, s.Create(ctx, r))
			f.down.Store(true)
			r2 := nextRec(t, r, "during 1")
			require.NoError(t, s.Update(ctx, r2), "a session in use is adopted by the fallback")
			r3 := nextRec(t, r2, "during 2")
			require.NoError(t, s.Update(ctx, r3))
			require.ErrorIs(t, s.Update(ctx, nextRec(t, r, "stale")), session.ErrConflict, "CAS holds in the fallback")
			return func(t *testing.T, st resilient.Status) {
				got, err := f.Store.Get(ctx, r.ID)
				require.NoError(t, err)
				require.Equal(t, "during 2", textOf(t, got))
				require.EqualValues(t, 1, st.Reconciled)
				require.Zero(t, st.Discarded)
			}
		}},
		{"UpdatedDuringOutage_PrimaryChangedElsewhere_PrimaryWins", resilient.Config{}, func(t *testing.T, s *resilient.Store, f *flaky) func(*testing.T, resilient.Status) {
			r := newRec(t, "before")
			require.NoError(t, s.Create(ctx, r))
			f.down.Store(true)
			require.NoError(t, s.Update(ctx, nextRec(t, r, "this server")))
			require.NoError(t, f.Store.Update(ctx, nextRec(t, r, "other server")), "another server writes meanwhile")
			return func(t *testing.T, st resilient.Status) {
				got, err := f.Store.Get(ctx, r.ID)
				require.NoError(t, err)
				require.Equal(t, "other server", textOf(t, got))
				require.EqualValues(t, 1, st.Discarded)
			}
		}},
		{"DeletedDuringOutage_IsDeletedFromPrimary", resilient.Config{}, func(t *testing.T, s *resilient.Store, f *flaky) func(*testing.T, resilient.Status) {
			r := newRec(t, "doomed")
			require.NoError(t, s.Create(ctx, r))
			f.down.Store(true)
			require.NoError(t, s.Delete(ctx, r.ID))
			_, err := s.Get(ctx, r.ID)
			require.ErrorIs(t, err, session.ErrSessionNotFound, "deleted here: missing, not unavailable")
			return func(t *testing.T, st resilient.Status) {
				_, err := f.Store.Get(ctx, r.ID)
				require.ErrorIs(t, err, session.ErrSessionNotFound)
			}
		}},
		{"GoneFromPrimary_IsNotResurrected", resilient.Config{}, func(t *testing.T, s *resilient.Store, f *flaky) func(*testing.T, resilient.Status) {
			r := newRec(t, "invalidated elsewhere")
			require.NoError(t, s.Create(ctx, r))
			f.down.Store(true)
			require.NoError(t, s.Update(ctx, nextRec(t, r, "this server")))
			require.NoError(t, f.Store.Delete(ctx, r.ID))
			return func(t *testing.T, st resilient.Status) {
				_, err := f.Store.Get(ctx, r.ID)
				require.ErrorIs(t, err, session.ErrSessionNotFound)
				require.EqualValues(t, 1, st.Discarded)
			}
		}},
		{"EvictedFromFallback_IsCountedLost", resilient.Config{FallbackSessions: 1}, func(t *testing.T, s *resilient.Store, f *flaky) func(*testing.T, resilient.Status) {
			f.down.Store(true)
			a, b := newRec(t, "a"), newRec(t, "b")
			require.NoError(t, s.Create(ctx, a))
			require.NoError(t, s.Create(ctx, b))
			return func(t *testing.T, st resilient.Status) {
				_, err := f.Store.Get(ctx, a.ID)
				require.ErrorIs(t, err, session.ErrSessionNotFound)
				_, err = f.Store.Get(ctx, b.ID)
				require.NoError(t, err)
				require.EqualValues(t, 1, st.Lost)
			}
		}},
	}
	for _, p := range primaries {
		for _, tc := range cases {
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				primary, f := p.new(t)
				s := newResilient(t, primary, tc.cfg)
				check := tc.run(t, s, f)
				require.True(t, s.Degraded())
				require.NoError(t, s.HealthCheck(ctx), "a degraded store still serves")
				f.down.Store(false)
				waitRecovered(t, s)
				st := s.Status()
				require.Zero(t, st.Pending)
				require.EqualValues(t, 1, st.Outages)
				check(t, st)
			})
		}
	}
}

func TestReconcile_RedisPrimaryKeepsTheRevision(t *testing.T) {
	ctx := context.Background()
	primary, f := primaries[1].new(t)
	s := newResilient(t, primary, resilient.Config{})
	r := newRec(t, "v1")
	require.NoError(t, s.Create(ctx, r))
	f.down.Store(true)
	r2 := nextRec(t, r, "v2")
	r3 := nextRec(t, r2, "v3")
	require.NoError(t, s.Update(ctx, r2))
	require.NoError(t, s.Update(ctx, r3))
	f.down.Store(false)
	waitRecovered(t, s)
	got, err := s.Get(ctx, r.ID)
	require.NoError(t, err)
	require.EqualValues(t, 3, got.Rev, "Replace writes revision 3 over 1, so the session's next update (4) just works")
	require.NoError(t, s.Update(ctx, nextRec(t, r3, "v4")))
}

func TestGet_SessionNotHeldDuringOutageIsUnavailableNotMissing(t *testing.T) {
	ctx := context.Background()
	primary, f := primaries[0].new(t)
	s := newResilient(t, primary, resilient.Config{})
	r := newRec(t, "in the primary only")
	require.NoError(t, s.Create(ctx, r))
	f.down.Store(true)
	_, err := s.Get(ctx, r.ID)
	require.ErrorIs(t, err, session.ErrStoreUnavailable)
	require.NotErrorIs(t, err, session.ErrSessionNotFound)
	require.True(t, s.Degraded())
}

func TestCircuit_CallersOwnContextNeverOpensIt(t *testing.T) {
	primary, f := primaries[0].new(t)
	s := newResilient(t, primary, resilient.Config{})
	f.hang.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := s.Get(ctx, session.NewID())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, s.Degraded(), "the caller gave up; the primary did not fail")
}

func TestCircuit_HangingPrimaryFallsBackWithinOpTimeout(t *testing.T) {
	primary, f := primaries[0].new(t)
	s := newResilient(t, primary, resilient.Config{OpTimeout: 50 * time.Millisecond})
	f.hang.Store(true)
	// The caller's ctx outlives OpTimeout by far: were the call bounded by
	// it instead, it would end in the caller's deadline, not the fallback.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := newRec(t, "x")
	require.NoError(t, s.Create(ctx, r), "bounded by OpTimeout, not by the hang")
	require.True(t, s.Degraded())
	f.hang.Store(false)
	waitRecovered(t, s)
}

func TestClose_StopsProbingAndLaterCallsFail(t *testing.T) {
	primary, f := primaries[0].new(t)
	s := resilient.New(primary, resilient.Config{ProbeInterval: time.Millisecond})
	f.down.Store(true)
	require.NoError(t, s.Create(context.Background(), newRec(t, "x")))
	require.NoError(t, s.Close())
	err := s.Create(context.Background(), newRec(t, "y"))
	require.True(t, errors.Is(err, session.ErrStoreUnavailable))
	require.NoError(t, s.Close(), "Close is idempotent")
}
