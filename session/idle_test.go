package session_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/testclock"
	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
	"github.com/livefir/statetemplate/token"
)

type task struct {
	ID   int
	Text string
	Done bool
}

type board struct {
	Owner string
	Tasks []task
}

func newBoard(owner string, n int) *board {
	b := &board{Owner: owner}
	for i := range n {
		b.Tasks = append(b.Tasks, task{ID: i, Text: "task number " + string(rune('a'+i%26))})
	}
	return b
}

// renderBoard writes a page with one fragment per task.
func renderBoard(w io.Writer, _ string, d any) error {
	b := d.(*board)
	if _, err := io.WriteString(w, "<html><head><title>"+b.Owner+"</title></head><body><h1 id=\"owner\">"+b.Owner+"</h1><ul id=\"tasks\">"); err != nil {
		return err
	}
	for _, t := range b.Tasks {
		done := ""
		if t.Done {
			done = " class=\"done\""
		}
		if _, err := io.WriteString(w, "\n<li id=\"t"+string(rune('a'+t.ID%26))+string(rune('a'+t.ID/26))+"\""+done+">"+t.Text+"</li>"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "</ul></body></html>")
	return err
}

type idleFixture struct {
	m     *session.Manager
	store *memory.Store
	clock *testclock.Clock
	logs  *countingHandler
}

// newIdleFixture returns a manager over a memory store on a settable
// clock, compacting sessions idle for a minute (delay < 0: never).
func newIdleFixture(t *testing.T, delay time.Duration, changed bool) *idleFixture {
	t.Helper()
	f := &idleFixture{store: memory.New(-1), clock: testclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)), logs: &countingHandler{}}
	f.store.Now = f.clock.Now
	keys, err := token.NewKeyring(token.NewSecret())
	require.NoError(t, err)
	f.m, err = session.NewManager(session.Config{
		Store: f.store, Keys: keys, Render: renderBoard, Now: f.clock.Now, Logger: slog.New(f.logs),
		IdleCompaction: delay, DataChanged: changed, CleanupInterval: -1,
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, f.m.Close()) })
	return f
}

// created creates a session holding d, renders its page and returns its
// token and ID.
func (f *idleFixture) created(t *testing.T, d any) (string, session.ID) {
	t.Helper()
	ctx := context.Background()
	tok, err := f.m.Create(ctx, d, session.CreateOptions{})
	require.NoError(t, err)
	_, err = f.m.Page(ctx, tok)
	require.NoError(t, err)
	h, err := f.m.Open(ctx, tok)
	require.NoError(t, err)
	id := h.ID()
	require.NoError(t, h.Close())
	return tok, id
}

func (f *idleFixture) stored(t *testing.T, id session.ID) *session.Record {
	t.Helper()
	rec, err := f.store.Get(context.Background(), id)
	require.NoError(t, err)
	return rec
}

// compact lets the clock pass d and compacts.
func (f *idleFixture) compact(t *testing.T, d time.Duration) int {
	t.Helper()
	f.clock.Advance(d)
	n, err := f.m.CompactIdle(context.Background())
	require.NoError(t, err)
	return n
}

func TestCompactIdle_PacksOnlySessionsUnusedForTheDelay(t *testing.T) {
	f := newIdleFixture(t, time.Minute, false)
	_, idle := f.created(t, newBoard("idle", 20))
	busyTok, busy := f.created(t, newBoard("busy", 20))
	f.clock.Advance(40 * time.Second)
	_, err := f.m.Page(context.Background(), busyTok)
	require.NoError(t, err)

	require.Equal(t, 1, f.compact(t, 30*time.Second), "70 s idle is packed; 30 s idle is not")
	assert.True(t, f.stored(t, idle).Packed())
	assert.False(t, f.stored(t, busy).Packed())
	assert.Nil(t, f.stored(t, idle).Data, "a packed record holds its data packed only")
	assert.Equal(t, 0, f.compact(t, 0), "a packed record is not packed again")
	// The store's Get above counted as a use of busy too.
	assert.Equal(t, 0, f.compact(t, 59*time.Second))
	assert.Equal(t, 1, f.compact(t, 2*time.Second))
}

func TestCompactIdle_OffPacksNothing(t *testing.T) {
	f := newIdleFixture(t, -1, false)
	_, id := f.created(t, newBoard("a", 5))
	assert.Equal(t, 0, f.compact(t, time.Hour))
	assert.False(t, f.stored(t, id).Packed())
}

func TestCompactIdle_PackedRecordEncodesAsItsUnpackedForm(t *testing.T) {
	f := newIdleFixture(t, time.Minute, false)
	_, id := f.created(t, newBoard("a", 30))
	before := f.stored(t, id)
	require.Equal(t, 1, f.compact(t, 2*time.Minute))
	after := f.stored(t, id)
	require.True(t, after.Packed())

	want, err := session.EncodeRecord(before)
	require.NoError(t, err)
	got, err := session.EncodeRecord(after)
	require.NoError(t, err)
	assert.Equal(t, want, got, "nothing is lost: the stored form encodes byte for byte as before")
	dec, err := session.DecodeRecord(got)
	require.NoError(t, err)
	assert.Equal(t, before.Data, dec.Data)
	assert.Equal(t, before.Fragments, dec.Fragments)
}

func TestCompactIdle_UpdateAfterCompactionEqualsUpdateWithout(t *testing.T) {
	ctx := context.Background()
	plain, packed := newIdleFixture(t, -1, true), newIdleFixture(t, time.Minute, true)
	tokA, _ := plain.created(t, newBoard("a", 30))
	tokB, idB := packed.created(t, newBoard("a", 30))
	changes := []func(b *board){
		func(b *board) { b.Tasks[3].Done = true },
		func(b *board) { b.Tasks = append(b.Tasks[:5], b.Tasks[6:]...) },
		func(b *board) {}, // a no-op
		func(b *board) { b.Owner = "b"; b.Tasks[0].Text = "renamed" },
		func(b *board) { b.Tasks = append(b.Tasks, task{ID: 99, Text: "new"}) },
	}
	for i, change := range changes {
		require.Equal(t, 1, packed.compact(t, 2*time.Minute), "step %d", i)
		plain.clock.Advance(2 * time.Minute)
		require.True(t, packed.stored(t, idB).Packed())
		var got [2][]string
		for k, tok := range []string{tokA, tokB} {
			h, err := []*session.Manager{plain.m, packed.m}[k].Open(ctx, tok)
			require.NoError(t, err)
			d := h.Data().(*board)
			change(d)
			ups, err := h.RenderFragments(ctx, d)
			require.NoError(t, err)
			for _, u := range ups {
				got[k] = append(got[k], u.Action+"|"+u.FragmentID+"|"+u.TargetID+"|"+u.HTML+"|"+joined(u.DataChanged)+"|"+boolText(u.IsNoOp))
			}
			require.NoError(t, h.Close())
		}
		require.Equal(t, got[0], got[1], "step %d", i)
		require.NotEmpty(t, got[1], "step %d", i)
	}
}

func joined(s []string) string {
	out := ""
	for _, x := range s {
		out += x + ","
	}
	return out
}

func boolText(b bool) string {
	if b {
		return "noop"
	}
	return ""
}

func TestCompactIdle_RollbackAfterCompactionRestoresTheCommittedData(t *testing.T) {
	ctx := context.Background()
	f := newIdleFixture(t, time.Minute, false)
	tok, _ := f.created(t, newBoard("a", 10))
	h, err := f.m.Open(ctx, tok)
	require.NoError(t, err)
	defer h.Close()
	d := h.Data().(*board)
	d.Owner = "half an action" // mutated in place, never rendered
	require.Equal(t, 1, f.compact(t, 2*time.Minute), "the open handle's session is idle too")

	require.NoError(t, h.Rollback(ctx))
	assert.Equal(t, "a", h.Data().(*board).Owner)
	ups, err := h.RenderFragments(ctx, h.Data())
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.True(t, ups[0].IsNoOp, "the committed data is the page the browser has")
}

func TestCompactIdle_OpenHandleIsPackedInEntryAndStoreAndRestoredOnUse(t *testing.T) {
	ctx := context.Background()
	f := newIdleFixture(t, time.Minute, false)
	tok, id := f.created(t, newBoard("a", 10))
	h, err := f.m.Open(ctx, tok)
	require.NoError(t, err)
	defer h.Close()
	require.Equal(t, 1, f.compact(t, 2*time.Minute))
	require.True(t, f.stored(t, id).Packed())

	page, err := f.m.Page(ctx, tok)
	require.NoError(t, err)
	assert.Contains(t, page, `<h1 id="owner">a</h1>`)
	assert.False(t, f.stored(t, id).Packed(), "a used session is kept whole again")
	d := h.Data().(*board)
	d.Tasks[2].Done = true
	ups, err := h.RenderFragments(ctx, d)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Contains(t, ups[0].HTML, `class="done"`)
}

func TestCompactIdle_DamagedPackedRecordEndsOnlyItsSession(t *testing.T) {
	ctx := context.Background()
	f := newIdleFixture(t, time.Minute, false)
	badTok, bad := f.created(t, newBoard("bad", 10))
	goodTok, _ := f.created(t, newBoard("good", 10))
	require.Equal(t, 2, f.compact(t, 2*time.Minute))
	session.DamagePacked(f.stored(t, bad))

	_, err := f.m.Page(ctx, badTok)
	require.ErrorIs(t, err, session.ErrSessionNotFound)
	require.ErrorIs(t, err, session.ErrCorruptRecord)
	assert.Equal(t, int32(1), f.logs.warnings.Load(), "logged once")
	_, err = f.store.Get(ctx, bad)
	assert.True(t, errors.Is(err, session.ErrSessionNotFound), "the damaged session is deleted")

	page, err := f.m.Page(ctx, goodTok)
	require.NoError(t, err)
	assert.Contains(t, page, "good")
}

func TestCompactIdle_LeaseAndRefreshKeepTheRecordPacked(t *testing.T) {
	ctx := context.Background()
	f := newIdleFixture(t, time.Minute, false)
	tok, id := f.created(t, newBoard("a", 10))
	h, err := f.m.Open(ctx, tok)
	require.NoError(t, err)
	require.Equal(t, 1, f.compact(t, 2*time.Minute))
	require.NoError(t, h.SetLease(ctx, time.Hour))
	require.NoError(t, h.Close())
	rec := f.stored(t, id)
	assert.True(t, rec.Packed(), "a lease change needs neither data nor fragments")
	_, err = session.EncodeRecord(rec)
	require.NoError(t, err)
	tok2, err := f.m.Refresh(ctx, tok)
	require.NoError(t, err)
	page, err := f.m.Page(ctx, tok2)
	require.NoError(t, err)
	assert.Contains(t, page, `<h1 id="owner">a</h1>`)
}
