package statetemplate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

func TestTwoStepFlow_PageThenFragmentUpdatesForChangedData(t *testing.T) {
	r := newRenderer(t, statetemplate.WithDataChanged())
	ctx := context.Background()
	tok, err := r.CreateSession(ctx, &page{Owner: "alice", Count: 1, Items: []string{"a"}})
	require.NoError(t, err)

	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, `<p id="count">Count: 1</p>`)
	require.Contains(t, html, `<li id="item-a">a of alice</li>`)

	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	ups, err := s.RenderFragments(ctx, &page{Owner: "alice", Count: 2, Items: []string{"a"}})
	require.NoError(t, err)
	require.Len(t, ups, 1, "only the counter changed")
	u := ups[0]
	assert.Equal(t, "count", u.FragmentID)
	assert.Equal(t, statetemplate.ActionText, u.Action, "only its text changed")
	assert.Equal(t, "Count: 2", u.HTML)
	assert.NotContains(t, u.HTML, "alice", "an update carries the changed fragment, not the page")
	assert.NotEmpty(t, u.HTMLHash)
	assert.False(t, u.IsNoOp)
	assert.False(t, u.Timestamp.IsZero())
	assert.Equal(t, []string{"Count"}, u.DataChanged)

	ups, err = s.RenderFragments(ctx, &page{Owner: "alice", Count: 2, Items: []string{"a", "b"}})
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Equal(t, statetemplate.ActionAppend, ups[0].Action, "a new last item is appended to its list")
	assert.Equal(t, "items", ups[0].FragmentID)
	assert.Equal(t, `<li id="item-b">b of alice</li>`, ups[0].HTML)
	assert.Equal(t, []string{"Items.1"}, ups[0].DataChanged)
}

func TestRenderFragments_EqualDataIsOneNoOp(t *testing.T) {
	r := newRenderer(t, statetemplate.WithDataChanged())
	ctx := context.Background()
	data := &page{Owner: "bob", Count: 5}
	_, s := openRendered(t, r, data)

	for _, tc := range []struct {
		name string
		data any
	}{
		{"same value", data},
		{"equal copy", &page{Owner: "bob", Count: 5}},
	} {
		ups, err := s.RenderFragments(ctx, tc.data)
		require.NoError(t, err, tc.name)
		require.Len(t, ups, 1, tc.name)
		assert.True(t, ups[0].IsNoOp, tc.name)
		assert.Empty(t, ups[0].HTML, tc.name)
		assert.Empty(t, ups[0].DataChanged, tc.name)
	}
}

func TestRenderFragments_ChangedDataSamePageIsNoOpNamingTheChange(t *testing.T) {
	type hidden struct {
		Owner  string
		Count  int
		Items  []string
		Unused string // not in the template
	}
	r := newRenderer(t, statetemplate.WithDataChanged())
	ctx := context.Background()
	_, s := openRendered(t, r, &hidden{Owner: "x"})
	ups, err := s.RenderFragments(ctx, &hidden{Owner: "x", Unused: "y"})
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.True(t, ups[0].IsNoOp)
	assert.Equal(t, []string{"Unused"}, ups[0].DataChanged)
}

func TestSession_DataIsCurrentAndMutableInPlace(t *testing.T) {
	r := newRenderer(t)
	ctx := context.Background()
	_, s := openRendered(t, r, &page{Owner: "carol", Count: 1})

	d := s.Data().(*page)
	require.Equal(t, 1, d.Count)
	d.Count++ // an action applied in place
	ups, err := s.RenderFragments(ctx, d)
	require.NoError(t, err)
	require.Len(t, ups, 1, "in-place mutation is detected against the last snapshot")
	assert.Contains(t, ups[0].HTML, "Count: 2")

	next := &page{Owner: "carol", Count: 7}
	_, err = s.RenderFragments(ctx, next)
	require.NoError(t, err)
	require.Same(t, next, s.Data(), "Data is the value last rendered")
}

func TestGetSession_TwoHandlesShareState(t *testing.T) {
	r := newRenderer(t)
	ctx := context.Background()
	tok, a := openRendered(t, r, &page{Owner: "dave", Count: 1})
	b, err := r.GetSession(tok)
	require.NoError(t, err)
	defer b.Close()

	ups, err := a.RenderFragments(ctx, &page{Owner: "dave", Count: 2})
	require.NoError(t, err)
	require.Contains(t, updatesHTML(ups), "Count: 2")
	require.Equal(t, 2, b.Data().(*page).Count, "b sees a's update")
	ups, err = b.RenderFragments(ctx, &page{Owner: "dave", Count: 2})
	require.NoError(t, err)
	require.True(t, ups[0].IsNoOp, "b diffs against the page a produced")
	require.Equal(t, a.ID(), b.ID())
}

func TestSession_CloseEndsTheHandleNotTheSession(t *testing.T) {
	r := newRenderer(t)
	ctx := context.Background()
	tok, err := r.CreateSession(ctx, &page{Owner: "erin", Count: 1})
	require.NoError(t, err)
	_, err = r.RenderPage(tok)
	require.NoError(t, err)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	_, err = s.RenderFragments(ctx, &page{Owner: "erin", Count: 2})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is harmless")

	_, err = s.RenderFragments(ctx, &page{Owner: "erin", Count: 3})
	require.ErrorIs(t, err, statetemplate.ErrSessionClosed)

	again, err := r.GetSession(tok)
	require.NoError(t, err, "the token still opens the session")
	defer again.Close()
	require.Equal(t, 2, again.Data().(*page).Count, "the session continues where it was")
	ups, err := again.RenderFragments(ctx, &page{Owner: "erin", Count: 3})
	require.NoError(t, err)
	require.Contains(t, updatesHTML(ups), "Count: 3")
	require.True(t, r.ValidateToken(tok))
}

func TestRenderFragments_ConcurrentCallsOnOneSessionAreSerialized(t *testing.T) {
	r := newRenderer(t)
	ctx := context.Background()
	tok, err := r.CreateSession(ctx, &page{Owner: "frank"})
	require.NoError(t, err)
	_, err = r.RenderPage(tok)
	require.NoError(t, err)

	const writers, each = 8, 25
	var (
		mu   sync.Mutex
		seen = map[int]bool{} // counts whose update some caller received
		wg   sync.WaitGroup
	)
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			s, err := r.GetSession(tok)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for i := range each {
				n := 1 + w*each + i // unique per call
				ups, err := s.RenderFragments(ctx, &page{Owner: "frank", Count: n})
				if err != nil {
					errs <- err
					return
				}
				if len(ups) != 1 || ups[0].FragmentID != "count" || ups[0].HTML != fmt.Sprintf("Count: %d", n) {
					errs <- fmt.Errorf("call with count %d got %+v", n, ups)
					return
				}
				mu.Lock()
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, seen, writers*each, "every call got the update for its own data")

	// The session ends consistent: its page and its data agree.
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	final := s.Data().(*page).Count
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, fmt.Sprintf("Count: %d<", final))
	ups, err := s.RenderFragments(ctx, &page{Owner: "frank", Count: final})
	require.NoError(t, err)
	require.True(t, ups[0].IsNoOp)
}

func TestRenderPage_MakesThePageTheBaseline(t *testing.T) {
	r := newRenderer(t)
	ctx := context.Background()
	tok, err := r.CreateSession(ctx, &page{Owner: "gina", Count: 1})
	require.NoError(t, err)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()

	// Before any page, the browser's page is unknown: the body is replaced.
	ups, err := s.RenderFragments(ctx, &page{Owner: "gina", Count: 2})
	require.NoError(t, err)
	require.Len(t, ups, 1)
	require.Equal(t, "", ups[0].FragmentID)
	require.Contains(t, ups[0].HTML, "Count: 2")

	// A reload shows the current data and resets the baseline to it.
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, "Count: 2")
	html2, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.Equal(t, html, html2)
	ups, err = s.RenderFragments(ctx, &page{Owner: "gina", Count: 3})
	require.NoError(t, err)
	require.Len(t, ups, 1)
	require.Equal(t, "count", ups[0].FragmentID)
}

func TestUpdate_JSONFieldNames(t *testing.T) {
	b, err := json.Marshal(statetemplate.Update{
		FragmentID: "f", HTML: "<p id=\"f\">x</p>", Action: statetemplate.ActionInsertAfter,
		TargetID: "t", IsNoOp: true, HTMLHash: "h", DataChanged: []string{"A"},
	})
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"fragment_id", "html", "action", "target_id", "timestamp", "is_noop", "html_hash", "data_changed"} {
		require.Contains(t, m, k)
	}
	require.Len(t, m, 8)
}

func TestCreateSession_NilDataRendersAndUpdates(t *testing.T) {
	r := newRenderer(t, statetemplate.WithDataChanged())
	tok, err := r.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	html, err := r.RenderPage(tok)
	require.NoError(t, err)
	require.Contains(t, html, `<p id="count">Count: </p>`)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	ups, err := s.RenderFragments(context.Background(), &page{Owner: "now typed", Count: 1})
	require.NoError(t, err)
	require.Contains(t, updatesHTML(ups), "now typed")
	require.Equal(t, []string{""}, ups[0].DataChanged, "a change of type is a change of the root")
}

func TestRenderFragments_DataChangedOnlyWhenAskedFor(t *testing.T) {
	r := newRenderer(t)
	_, s := openRendered(t, r, &page{Owner: "p", Count: 1})
	ups, err := s.RenderFragments(context.Background(), &page{Owner: "p", Count: 2})
	require.NoError(t, err)
	require.NotEmpty(t, ups)
	assert.Contains(t, updatesHTML(ups), "Count: 2")
	for _, u := range ups {
		assert.Nil(t, u.DataChanged, "without WithDataChanged, no update names what changed")
	}
}

func TestRenderFragments_DataChangedRightForEveryWayOfPassingData(t *testing.T) {
	r := newRenderer(t, statetemplate.WithDataChanged())
	ctx := context.Background()
	_, s := openRendered(t, r, &page{Owner: "p", Count: 1, Items: []string{"a"}})

	// In place: the stored value itself is changed and passed back.
	d := s.Data().(*page)
	d.Count = 2
	ups, err := s.RenderFragments(ctx, d)
	require.NoError(t, err)
	require.Equal(t, []string{"Count"}, ups[0].DataChanged)

	// A new value.
	ups, err = s.RenderFragments(ctx, &page{Owner: "p", Count: 2, Items: []string{"a", "b"}})
	require.NoError(t, err)
	require.Equal(t, []string{"Items.1"}, ups[0].DataChanged)

	// A new value, after the app also changed the old one behind the
	// session's back: the change is still reported against what was rendered.
	stale := s.Data().(*page)
	stale.Owner = "changed afterwards"
	ups, err = s.RenderFragments(ctx, &page{Owner: "q", Count: 2, Items: []string{"a", "b"}})
	require.NoError(t, err)
	require.Equal(t, []string{"Owner"}, ups[0].DataChanged)
	require.Contains(t, updatesHTML(ups), "q")
}
