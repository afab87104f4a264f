package statetemplate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/storage/memory"
)

// sharedStore is a memory store that outlives the renderers using it, so
// that tests can put two renderers (two key configurations) on one store.
type sharedStore struct{ *memory.Store }

func (sharedStore) Close() error { return nil }

func create(t *testing.T, r *statetemplate.Renderer, d any, opts ...statetemplate.SessionOption) string {
	t.Helper()
	tok, err := r.CreateSession(context.Background(), d, opts...)
	require.NoError(t, err)
	return tok
}

func TestExpiration_SessionEndsAtItsLifetime(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []statetemplate.SessionOption
		lifetime time.Duration
	}{
		{"renderer default", nil, time.Hour},
		{"per-session override", []statetemplate.SessionOption{statetemplate.SessionExpiration(10 * time.Minute)}, 10 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			r := newRenderer(t, statetemplate.WithExpiration(time.Hour), statetemplate.WithClock(clk.Now))
			tok := create(t, r, &page{Owner: "o"}, tc.opts...)
			s, err := r.GetSession(tok)
			require.NoError(t, err)
			defer s.Close()

			clk.Advance(tc.lifetime - time.Second)
			require.True(t, r.ValidateToken(tok))
			_, err = s.RenderFragments(context.Background(), &page{Owner: "o", Count: 1})
			require.NoError(t, err)

			clk.Advance(time.Second)
			require.False(t, r.ValidateToken(tok))
			_, err = r.RenderPage(tok)
			require.ErrorIs(t, err, statetemplate.ErrSessionExpired)
			_, err = r.GetSession(tok)
			require.ErrorIs(t, err, statetemplate.ErrSessionExpired)
			_, err = s.RenderFragments(context.Background(), &page{Owner: "o", Count: 2})
			require.ErrorIs(t, err, statetemplate.ErrSessionExpired, "an open handle expires too")
		})
	}
}

func TestIdleTimeout_UseKeepsSessionAliveIdlenessEndsIt(t *testing.T) {
	clk := newClock()
	r := newRenderer(t, statetemplate.WithIdleTimeout(10*time.Minute), statetemplate.WithClock(clk.Now))
	tok := create(t, r, &page{Owner: "idle"})
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()

	for i := range 3 { // used every 8 minutes: 24 minutes in, still alive
		clk.Advance(8 * time.Minute)
		_, err := s.RenderFragments(context.Background(), &page{Owner: "idle", Count: i})
		require.NoError(t, err, "use %d", i)
	}
	clk.Advance(8 * time.Minute)
	_, err = r.RenderPage(tok) // a page load is a use too
	require.NoError(t, err)
	clk.Advance(9 * time.Minute)
	_, err = s.RenderFragments(context.Background(), &page{Owner: "idle", Count: 2}) // equal data: still a use
	require.NoError(t, err)

	clk.Advance(10 * time.Minute)
	_, err = s.RenderFragments(context.Background(), &page{Owner: "idle", Count: 9})
	require.ErrorIs(t, err, statetemplate.ErrSessionExpired)
	require.False(t, r.ValidateToken(tok))
}

func TestMaxSessions_MemoryStoreEvictsLeastRecentlyUsed(t *testing.T) {
	r := newRenderer(t, statetemplate.WithMaxSessions(3))
	a := create(t, r, &page{Owner: "a"})
	b := create(t, r, &page{Owner: "b"})
	c := create(t, r, &page{Owner: "c"})
	_, err := r.RenderPage(a) // a is now more recent than b
	require.NoError(t, err)
	d := create(t, r, &page{Owner: "d"})

	_, err = r.GetSession(b)
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound, "b was the least recently used")
	for _, tok := range []string{a, c, d} {
		require.True(t, r.ValidateToken(tok))
	}
}

func TestCleanup_BackgroundSweepDeletesExpiredSessions(t *testing.T) {
	clk := newClock()
	store := memory.New(-1)
	r := newRenderer(t,
		statetemplate.WithCustomStore(store),
		statetemplate.WithExpiration(time.Hour),
		statetemplate.WithCleanupInterval(5*time.Millisecond),
		statetemplate.WithClock(clk.Now))
	for range 5 {
		create(t, r, &page{Owner: "old"})
	}
	clk.Advance(30 * time.Minute)
	young := create(t, r, &page{Owner: "young"})
	count := func() int {
		n, err := store.Count(context.Background())
		require.NoError(t, err)
		return n
	}
	require.Never(t, func() bool { return count() < 6 }, 50*time.Millisecond, 5*time.Millisecond,
		"nothing is swept before it expires")

	clk.Advance(31 * time.Minute)
	require.Eventually(t, func() bool { return count() == 1 }, 5*time.Second, 5*time.Millisecond,
		"the sweeper deletes the five expired sessions")
	require.True(t, r.ValidateToken(young))
}

func TestSweep_DeletesExpiredNowAndReportsHowMany(t *testing.T) {
	clk := newClock()
	r := newRenderer(t, statetemplate.WithExpiration(time.Minute), statetemplate.WithClock(clk.Now))
	for range 3 {
		create(t, r, &page{Owner: "s"})
	}
	n, err := r.Sweep(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	clk.Advance(time.Minute)
	n, err = r.Sweep(context.Background())
	require.NoError(t, err)
	require.Equal(t, 3, n)
}

func TestClose_StopsEveryGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r, err := statetemplate.New(pageTmpl, statetemplate.WithCleanupInterval(time.Millisecond))
	require.NoError(t, err)
	tok := create(t, r, &page{Owner: "z"})
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	_, err = s.RenderFragments(context.Background(), &page{Owner: "z", Count: 1})
	require.NoError(t, err)
	create(t, r, &page{Owner: "brief"}, statetemplate.SessionExpiration(time.Millisecond))
	require.Eventually(t, func() bool {
		st, err := r.Stats(context.Background())
		return err == nil && st.Sessions == 1
	}, 5*time.Second, time.Millisecond, "the sweeper runs and removes the expired session")
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "closing twice is harmless")

	_, err = s.RenderFragments(context.Background(), &page{Owner: "z", Count: 2})
	require.ErrorIs(t, err, statetemplate.ErrSessionClosed)
	_, err = r.CreateSession(context.Background(), &page{})
	require.ErrorIs(t, err, statetemplate.ErrSessionClosed)
	_, err = r.GetSession(tok)
	require.ErrorIs(t, err, statetemplate.ErrSessionClosed)
}

func TestCreateSession_HonoursContextButOutlivesIt(t *testing.T) {
	store := memory.New(-1)
	r := newRenderer(t, statetemplate.WithCustomStore(store))

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.CreateSession(canceled, &page{})
	require.ErrorIs(t, err, context.Canceled)

	late, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	defer cancel2()
	_, err = r.CreateSession(late, &page{})
	require.ErrorIs(t, err, context.DeadlineExceeded)

	n, err := store.Count(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "a refused create stores nothing")

	req, endRequest := context.WithCancel(context.Background())
	tok, err := r.CreateSession(req, &page{Owner: "outlives"})
	require.NoError(t, err)
	endRequest() // the HTTP request is over
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, "outlives")
}

func TestInvalidateSession_EndsSessionAndItsHandles(t *testing.T) {
	r := newRenderer(t)
	tok := create(t, r, &page{Owner: "inv"})
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	other := create(t, r, &page{Owner: "other"})

	require.NoError(t, r.InvalidateSession(tok))
	require.False(t, r.ValidateToken(tok))
	_, err = r.GetSession(tok)
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound)
	_, err = s.RenderFragments(context.Background(), &page{Owner: "inv", Count: 1})
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound)
	require.ErrorIs(t, r.InvalidateSession(tok), statetemplate.ErrSessionNotFound)
	require.True(t, r.ValidateToken(other), "other sessions are untouched")
}

func TestRefreshToken_NewTokenSameSessionOldStops(t *testing.T) {
	clk := newClock()
	r := newRenderer(t, statetemplate.WithExpiration(time.Hour), statetemplate.WithClock(clk.Now))
	old := create(t, r, &page{Owner: "ref", Count: 4})
	oldHandle, err := r.GetSession(old)
	require.NoError(t, err)
	defer oldHandle.Close()

	fresh, err := r.RefreshToken(old)
	require.NoError(t, err)
	require.NotEqual(t, old, fresh)

	require.False(t, r.ValidateToken(old))
	for name, call := range map[string]func() error{
		"GetSession":   func() error { _, err := r.GetSession(old); return err },
		"RenderPage":   func() error { _, err := r.RenderPage(old); return err },
		"RefreshToken": func() error { _, err := r.RefreshToken(old); return err },
		"Invalidate":   func() error { return r.InvalidateSession(old) },
		"old handle": func() error {
			_, err := oldHandle.RenderFragments(context.Background(), &page{Owner: "ref", Count: 5})
			return err
		},
	} {
		require.ErrorIs(t, call(), statetemplate.ErrInvalidToken, name)
	}

	s, err := r.GetSession(fresh)
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, &page{Owner: "ref", Count: 4}, s.Data(), "same session state")
	require.Equal(t, oldHandle.ID(), s.ID())

	clk.Advance(time.Hour)
	require.False(t, r.ValidateToken(fresh), "refresh does not extend the session's lifetime")
}

func TestWithSecurity_KeyRotation(t *testing.T) {
	keyA := []byte("A-key-A-key-A-key-A-key-A-key-A-")
	keyB := []byte("B-key-B-key-B-key-B-key-B-key-B-")
	store := sharedStore{memory.New(-1)}
	before := newRenderer(t, statetemplate.WithSecurity(keyA), statetemplate.WithCustomStore(store))
	tokA := create(t, before, &page{Owner: "rot"})

	rotated := newRenderer(t, statetemplate.WithSecurity(keyB, keyA), statetemplate.WithCustomStore(store))
	require.True(t, rotated.ValidateToken(tokA), "a token of the previous key still validates")
	tokB := create(t, rotated, &page{Owner: "new"})
	require.False(t, before.ValidateToken(tokB), "new tokens use the current key")
	refreshed, err := rotated.RefreshToken(tokA)
	require.NoError(t, err)

	retired := newRenderer(t, statetemplate.WithSecurity(keyB), statetemplate.WithCustomStore(store))
	require.True(t, retired.ValidateToken(refreshed), "a refreshed token is sealed with the current key")
	require.True(t, retired.ValidateToken(tokB))
	_, err = retired.GetSession(tokA)
	require.ErrorIs(t, err, statetemplate.ErrInvalidToken, "once the old key is dropped its tokens fail")
}

func TestNew_WithoutKeyUsesPerProcessRandomKey(t *testing.T) {
	store := sharedStore{memory.New(-1)}
	one := newRenderer(t, statetemplate.WithCustomStore(store))
	two := newRenderer(t, statetemplate.WithCustomStore(store))
	tok := create(t, one, &page{Owner: "k"})
	require.True(t, one.ValidateToken(tok))
	require.False(t, two.ValidateToken(tok), "each renderer without WithSecurity has its own random key")
}

func TestSweep_KeepsSessionsWhileTheStoreFails(t *testing.T) {
	clk := newClock()
	f := &faulty{Store: memory.New(-1)}
	r := newRenderer(t, statetemplate.WithCustomStore(f), statetemplate.WithExpiration(time.Minute),
		statetemplate.WithClock(clk.Now))
	create(t, r, &page{})
	clk.Advance(time.Hour)
	f.getErr = fmt.Errorf("%w: connection reset", statetemplate.ErrStoreUnavailable)
	n, err := r.Sweep(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "a failed read is not a missing session")
	count, _ := f.Count(context.Background())
	require.Equal(t, 1, count)

	f.getErr = nil
	n, err = r.Sweep(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestMaxSessions_CustomStoreRefusesPastTheCap(t *testing.T) {
	r := newRenderer(t, statetemplate.WithCustomStore(memory.New(-1)), statetemplate.WithMaxSessions(2))
	a := create(t, r, &page{})
	create(t, r, &page{})
	_, err := r.CreateSession(context.Background(), &page{})
	require.ErrorIs(t, err, statetemplate.ErrMaxSessionsReached)
	require.True(t, r.ValidateToken(a), "nothing is evicted")

	require.NoError(t, r.InvalidateSession(a))
	create(t, r, &page{}) // room again
}

func TestConflict_SecondServerRetriesFromTheFirstServersState(t *testing.T) {
	key := []byte("shared-key-shared-key-shared-key")
	store := sharedStore{memory.New(-1)}
	a := newRenderer(t, statetemplate.WithSecurity(key), statetemplate.WithCustomStore(store))
	b := newRenderer(t, statetemplate.WithSecurity(key), statetemplate.WithCustomStore(store))
	ctx := context.Background()
	tok := create(t, a, &page{Owner: "two", Count: 1})
	_, err := a.RenderPage(tok)
	require.NoError(t, err)
	sa, err := a.GetSession(tok)
	require.NoError(t, err)
	defer sa.Close()
	sb, err := b.GetSession(tok)
	require.NoError(t, err)
	defer sb.Close()

	_, err = sa.RenderFragments(ctx, &page{Owner: "two", Count: 2})
	require.NoError(t, err)
	_, err = sb.RenderFragments(ctx, &page{Owner: "two", Count: 3})
	require.ErrorIs(t, err, statetemplate.ErrConflict, "b's state was based on revision a replaced")
	require.Equal(t, 2, sb.Data().(*page).Count, "after the conflict b holds a's state")

	ups, err := sb.RenderFragments(ctx, &page{Owner: "two", Count: 3})
	require.NoError(t, err, "the retry succeeds")
	require.Len(t, ups, 1)
	require.Equal(t, "\n<p id=\"count\">Count: 3</p>", ups[0].HTML, "diffed against the page a produced")
}
