package session_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
	"github.com/livefir/statetemplate/token"
)

// restoring is a memory store that behaves as a durable one: it returns
// records without their decoded value, so the manager restores data from
// bytes as it must after a restart.
type restoring struct{ *memory.Store }

func (restoring) Durable() bool { return true }

func (s restoring) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	c := r.Clone()
	c.Value = nil
	return c, nil
}

type countingHandler struct{ warnings atomic.Int32 }

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		h.warnings.Add(1)
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func newManager(t *testing.T, store session.Store, logs *countingHandler) *session.Manager {
	t.Helper()
	keys, err := token.NewKeyring(token.NewSecret())
	require.NoError(t, err)
	types := &session.Types{}
	require.NoError(t, types.Register(&data{}))
	m, err := session.NewManager(session.Config{
		Store: store, Keys: keys, Types: types, Logger: slog.New(logs),
		Render: func(w io.Writer, _ string, d any) error {
			_, err := io.WriteString(w, "<body><p id=\"n\">"+d.(*data).Name+"</p></body>")
			return err
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m
}

func TestManager_CorruptRecordAffectsOnlyItsSessionAndIsLoggedOnce(t *testing.T) {
	ctx := context.Background()
	mem := memory.New(-1)
	logs := &countingHandler{}
	m := newManager(t, restoring{mem}, logs)
	badTok, err := m.Create(ctx, &data{Name: "bad"}, session.CreateOptions{})
	require.NoError(t, err)
	goodTok, err := m.Create(ctx, &data{Name: "good"}, session.CreateOptions{})
	require.NoError(t, err)

	// Damage the bad session's stored data behind the manager's back.
	h, err := m.Open(ctx, badTok)
	require.NoError(t, err)
	id := h.ID()
	require.NoError(t, h.Close())
	rec, err := mem.Get(ctx, id)
	require.NoError(t, err)
	broken := rec.Clone()
	broken.Rev++
	broken.Data = bytes.Repeat([]byte{0xff}, 8)
	require.NoError(t, mem.Update(ctx, broken))

	for range 3 {
		_, err = m.Open(ctx, badTok)
		require.ErrorIs(t, err, session.ErrSessionNotFound)
		require.ErrorIs(t, err, session.ErrCorruptRecord)
		require.Contains(t, err.Error(), id.Short())
	}
	require.Equal(t, int32(1), logs.warnings.Load(), "logged once, not per request")

	page, err := m.Page(ctx, goodTok)
	require.NoError(t, err, "other sessions are untouched")
	require.Contains(t, page, "good")
}

func TestManager_RestoresRegisteredTypeFromBytes(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, restoring{memory.New(-1)}, &countingHandler{})
	tok, err := m.Create(ctx, &data{Name: "restored", Items: []item{{Title: "x"}}}, session.CreateOptions{})
	require.NoError(t, err)
	h, err := m.Open(ctx, tok)
	require.NoError(t, err)
	defer h.Close()
	require.Equal(t, &data{Name: "restored", Items: []item{{Title: "x"}}}, h.Data())
}

func TestManager_UnregisteredTypeIsRefusedByDurableStore(t *testing.T) {
	m := newManager(t, restoring{memory.New(-1)}, &countingHandler{})
	_, err := m.Create(context.Background(), &item{}, session.CreateOptions{})
	require.ErrorIs(t, err, session.ErrUnregisteredType)
	require.Contains(t, err.Error(), "session_test.item")
}
