package session_test

import (
	"context"
	"io"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
	"github.com/livefir/statetemplate/token"
)

// gatedGet is a memory store whose next Get, once armed, reads the record
// and then waits for release before returning it: a slow store read that
// straddles whatever the test does meanwhile.
type gatedGet struct {
	*memory.Store
	mu      sync.Mutex
	armed   bool
	entered chan struct{}
	release chan struct{}
}

func (s *gatedGet) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = true
	s.entered = make(chan struct{})
	s.release = make(chan struct{})
}

func (s *gatedGet) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	rec, err := s.Store.Get(ctx, id)
	s.mu.Lock()
	gated := s.armed
	s.armed = false
	entered, release := s.entered, s.release
	s.mu.Unlock()
	if gated {
		close(entered)
		<-release
	}
	return rec, err
}

// mapCache is a session.Cache in a map: it never drops entries, so a stale
// one stays visible.
type mapCache struct {
	mu sync.Mutex
	m  map[session.ID]*session.Record
}

func (c *mapCache) Get(id session.ID) (*session.Record, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[id]
	return r, ok
}

func (c *mapCache) Set(r *session.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[r.ID] = r
}

func (c *mapCache) Delete(id session.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// An Open whose store read began before the session was invalidated, and
// ended after, must not bring the session back: not for itself, and not
// through the cache for later requests.
func TestManager_OpenRacingInvalidateDoesNotResurrectTheSession(t *testing.T) {
	for _, withCache := range []bool{false, true} {
		name := "without cache"
		if withCache {
			name = "with cache"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store := &gatedGet{Store: memory.New(0)}
			cfg := testConfig(t, store)
			var c *mapCache
			if withCache {
				c = &mapCache{m: map[session.ID]*session.Record{}}
				cfg.Cache = c
			}
			m, err := session.NewManager(cfg)
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, m.Close()) })

			tok, err := m.Create(ctx, &data{Name: "a"}, session.CreateOptions{})
			require.NoError(t, err)
			if c != nil {
				c.Delete(mustOpenID(t, m, tok)) // cold: the next Open reads the store
			}

			store.arm()
			opened := make(chan error, 1)
			go func() {
				h, err := m.Open(ctx, tok)
				if err == nil {
					h.Close()
				}
				opened <- err
			}()
			<-store.entered // the slow read has the record in hand
			require.NoError(t, m.Invalidate(ctx, tok))
			close(store.release)

			err = <-opened
			assert.ErrorIs(t, err, session.ErrSessionNotFound, "a racing Open must not revive an invalidated session")
			assert.False(t, m.Validate(ctx, tok), "the invalidated token must stay invalid")
			_, err = m.Page(ctx, tok)
			assert.ErrorIs(t, err, session.ErrSessionNotFound)
		})
	}
}

// mustOpenID opens tok once to learn its session ID.
func mustOpenID(t *testing.T, m *session.Manager, tok string) session.ID {
	t.Helper()
	h, err := m.Open(context.Background(), tok)
	require.NoError(t, err)
	id := h.ID()
	require.NoError(t, h.Close())
	return id
}

// testConfig is newManager's configuration, for tests that adjust it.
func testConfig(t *testing.T, store session.Store) session.Config {
	t.Helper()
	keys, err := token.NewKeyring(token.NewSecret())
	require.NoError(t, err)
	types := &session.Types{}
	require.NoError(t, types.Register(&data{}))
	return session.Config{
		Store: store, Keys: keys, Types: types,
		Render: func(w io.Writer, _ string, d any) error {
			_, err := io.WriteString(w, "<body><p id=\"n\">"+d.(*data).Name+"</p></body>")
			return err
		},
	}
}
