package statetemplate_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

// countingStore counts the records written to a memory store.
type countingStore struct {
	*memory.Store
	creates, updates atomic.Int32
}

func (s *countingStore) Create(ctx context.Context, r *session.Record) error {
	s.creates.Add(1)
	return s.Store.Create(ctx, r)
}

func (s *countingStore) Update(ctx context.Context, r *session.Record) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, r)
}

func TestProvisional_PageLoadWritesNothingUntilThePageConnects(t *testing.T) {
	store := &countingStore{Store: memory.New(-1)}
	r := newRenderer(t, statetemplate.WithCustomStore(store))
	ctx := context.Background()

	tok, err := r.CreateSession(ctx, &page{Owner: "ann", Count: 1}, statetemplate.Provisional())
	require.NoError(t, err)
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	assert.Contains(t, html, "Count: 1")
	assert.True(t, r.ValidateToken(tok))
	assert.Zero(t, store.creates.Load()+store.updates.Load(), "a page load writes nothing")
	assert.Equal(t, 1, stats(t, r).Provisional)

	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	assert.EqualValues(t, 1, store.creates.Load(), "the connection stores the session")
	assert.Equal(t, 0, stats(t, r).Provisional)
	ups, err := s.RenderFragments(ctx, &page{Owner: "ann", Count: 2})
	require.NoError(t, err)
	require.Len(t, ups, 1, "the page rendered before the connection is the diff's baseline")
	assert.Equal(t, "count", ups[0].FragmentID)
}

func TestProvisional_EndsAfterItsTimeInMemory(t *testing.T) {
	clock := newClock()
	r := newRenderer(t, statetemplate.WithClock(clock.Now), statetemplate.WithProvisionalSessions(time.Minute, 1<<20))
	tok, err := r.CreateSession(context.Background(), &page{Owner: "ann"}, statetemplate.Provisional())
	require.NoError(t, err)
	clock.Advance(59 * time.Second)
	assert.True(t, r.ValidateToken(tok))
	clock.Advance(time.Second)
	_, err = r.GetSession(tok)
	require.ErrorIs(t, err, statetemplate.ErrSessionNotFound)
	assert.Equal(t, 0, stats(t, r).Provisional)
}

func TestProvisional_OldestDroppedOverTheMemoryBudget(t *testing.T) {
	r := newRenderer(t, statetemplate.WithProvisionalSessions(time.Hour, 64<<10))
	ctx := context.Background()
	var toks []string
	for i := range 200 {
		tok, err := r.CreateSession(ctx, &page{Owner: strings.Repeat("x", 100), Count: i}, statetemplate.Provisional())
		require.NoError(t, err)
		toks = append(toks, tok)
	}
	n := stats(t, r).Provisional
	assert.Greater(t, n, 0)
	assert.Less(t, n, 200, "the budget bounds what page loads hold")
	assert.False(t, r.ValidateToken(toks[0]), "the oldest went first")
	assert.True(t, r.ValidateToken(toks[199]), "the newest stays")
}

func TestProvisional_InvalidateForgetsIt(t *testing.T) {
	r := newRenderer(t)
	tok, err := r.CreateSession(context.Background(), &page{Owner: "ann"}, statetemplate.Provisional())
	require.NoError(t, err)
	require.NoError(t, r.InvalidateSession(tok))
	assert.False(t, r.ValidateToken(tok))
	assert.Equal(t, 0, stats(t, r).Provisional)
}

func TestProvisional_BoltFileGrowsOnlyWhenPagesConnect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	r := newRenderer(t, statetemplate.WithBoltStore(path), statetemplate.WithDataTypes(&page{}))
	ctx := context.Background()
	var last string
	for range 50 {
		tok, err := r.CreateSession(ctx, &page{Owner: "flood"}, statetemplate.Provisional())
		require.NoError(t, err)
		_, err = r.RenderPage(tok)
		require.NoError(t, err)
		last = tok
	}
	assert.Equal(t, 0, stats(t, r).Sessions, "50 page loads that never connect store nothing")
	s, err := r.GetSession(last)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, 1, stats(t, r).Sessions)
}

func TestProvisional_PromotionRespectsMaxSessions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	r := newRenderer(t, statetemplate.WithBoltStore(path), statetemplate.WithDataTypes(&page{}), statetemplate.WithMaxSessions(1))
	ctx := context.Background()
	a, err := r.CreateSession(ctx, &page{Owner: "a"}, statetemplate.Provisional())
	require.NoError(t, err)
	b, err := r.CreateSession(ctx, &page{Owner: "b"}, statetemplate.Provisional())
	require.NoError(t, err, "provisional sessions do not count against the stored limit")
	s, err := r.GetSession(a)
	require.NoError(t, err)
	defer s.Close()
	_, err = r.GetSession(b)
	require.ErrorIs(t, err, statetemplate.ErrMaxSessionsReached)
}

func TestMaxDataBytes_RefusesLargeDataBeforeStoringIt(t *testing.T) {
	store := &countingStore{Store: memory.New(-1)}
	r := newRenderer(t, statetemplate.WithCustomStore(store), statetemplate.WithMaxDataBytes(1024))
	ctx := context.Background()
	_, err := r.CreateSession(ctx, &page{Owner: strings.Repeat("x", 2000)})
	require.ErrorIs(t, err, statetemplate.ErrDataTooLarge)
	assert.Zero(t, store.creates.Load())

	tok, s := openRendered(t, r, &page{Owner: "ann"})
	_, err = s.RenderFragments(ctx, &page{Owner: strings.Repeat("y", 2000)})
	require.ErrorIs(t, err, statetemplate.ErrDataTooLarge)
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	assert.Contains(t, html, ">ann<", "the refused data changed nothing")
}

func TestMaxDataBytes_DefaultIsOneMebibyte(t *testing.T) {
	r := newRenderer(t)
	_, err := r.CreateSession(context.Background(), &page{Owner: strings.Repeat("x", 1<<20)})
	require.ErrorIs(t, err, statetemplate.ErrDataTooLarge)
	_, err = r.CreateSession(context.Background(), &page{Owner: strings.Repeat("x", 1<<19)})
	require.NoError(t, err)
}

func stats(t *testing.T, r *statetemplate.Renderer) statetemplate.Stats {
	t.Helper()
	st, err := r.Stats(context.Background())
	require.NoError(t, err)
	return st
}
