package statetemplate_test

import (
	"context"
	"html/template"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/session"
)

// roBoard is a page of cells and a title that changes with them.
type roBoard struct {
	Title string
	Cells []string
}

// TestReadOnlyUpdates_TabsOfATransitionWithATitleShareNoWrite renders one
// change for many sessions of the same page at once, their updates read
// only (as package live's pushes): they share the transition's updates,
// twelve of them (an array slices.Clone leaves room after), and each adds
// the title's update in its own copy: no two write the same array (-race),
// and each gets every cell and the title once.
func TestReadOnlyUpdates_TabsOfATransitionWithATitleShareNoWrite(t *testing.T) {
	tmpl := template.Must(template.New("page").Parse(`<!DOCTYPE html><html><head><title>{{.Title}}</title></head><body>` +
		`{{range $i, $c := .Cells}}<p id="c-{{$i}}">{{$c}}</p>{{end}}</body></html>`))
	r, err := statetemplate.New(tmpl, statetemplate.WithFragmentCache(1<<20))
	require.NoError(t, err)
	defer r.Close()
	board := func(v string) *roBoard {
		b := &roBoard{Title: "Board " + v}
		for i := range 12 {
			b.Cells = append(b.Cells, v+"-"+strconv.Itoa(i))
		}
		return b
	}
	ctx := context.Background()
	const tabs = 16
	sessions := make([]*statetemplate.Session, tabs)
	for i := range sessions {
		tok, err := r.CreateSession(ctx, board("a"))
		require.NoError(t, err)
		_, err = r.RenderPage(tok)
		require.NoError(t, err)
		s, err := r.GetSession(tok)
		require.NoError(t, err)
		defer s.Close()
		sessions[i] = s
	}
	for round, v := range []string{"b", "c", "d"} {
		got := make([][]statetemplate.Update, tabs)
		var wg sync.WaitGroup
		for i, s := range sessions {
			wg.Go(func() {
				ups, err := s.RenderFragments(session.ReadOnlyUpdates{Context: ctx}, board(v))
				assert.NoError(t, err)
				got[i] = ups
			})
		}
		wg.Wait()
		for i, ups := range got {
			require.Len(t, ups, 13, "round %d, tab %d: twelve cells and the title", round, i)
			for k, u := range ups[:12] {
				assert.Equal(t, "c-"+strconv.Itoa(k), u.FragmentID, "round %d, tab %d", round, i)
				assert.Equal(t, v+"-"+strconv.Itoa(k), u.HTML, "round %d, tab %d", round, i)
			}
			assert.Equal(t, statetemplate.Update{Action: "title", HTML: "Board " + v}, ups[12], "round %d, tab %d", round, i)
		}
	}
}
