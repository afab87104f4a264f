package plan

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
)

// boardPage is a page of shared rows, a title and a clock (alike in every
// session of a push), a data-cache="false" clock and footer re-sent on
// every update, and a part that reads the session's own user.
const boardPage = `<body><main id="main"><h1 id="title">{{.Title}}</h1>
<ul id="rows">{{range .Items}}<li id="r-{{.ID}}">{{.Name}}: <b id="p-{{.ID}}">{{.Price}}</b></li>{{end}}</ul>
<p id="who">{{.Who}}</p>
<aside id="clock" data-cache="false">{{.Clock}}</aside>
<footer id="footer" data-cache="false">At {{.Clock}}: <span id="n">{{.Count}}</span></footer></main></body>`

type boardItem struct {
	ID    int
	Name  string
	Price int
}

type boardData struct {
	Title string
	Items []boardItem
	Who   string
	Clock string
	Count int
}

// boardAt is session i's data at step s of the pushes: all but Who is the
// push's, and Who differs between sessions in one byte.
func boardAt(i, s int) *boardData {
	d := &boardData{Title: "Board", Who: fmt.Sprintf("user-%02d", i), Clock: fmt.Sprintf("10:00:%02d", s/4), Count: s / 3}
	for k := range 3 + s%3 { // rows added and removed
		d.Items = append(d.Items, boardItem{ID: k, Name: fmt.Sprintf("Q%d", k), Price: 100 + (s*(k+1))%7})
	}
	if s%5 == 4 {
		d.Who += "!" // the session's own change
	}
	return d
}

// TestRender_ConcurrentSessionsEachGetTheirOwnPage renders the pushes of
// many sessions at once, through one plan, shared cache and PatchCache, as
// a server does: the plan's memory of the shared cache's HTML, shared
// transitions and memos are read and written by all of them at once
// (run with -race). Every render of every session is Diff's of its own
// whole page.
func TestRender_ConcurrentSessionsEachGetTheirOwnPage(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p, orig := buildFooter(t, boardPage)
	shared, err := cache.NewFragments(1 << 20)
	require.NoError(t, err)
	defer shared.Close()
	patches := fragments.NewPatchCache(1 << 20)
	remembered0, kept0 := rememberedHTML.Load(), keptHTML.Load()
	const sessions, steps = 8, 40
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			var st, ref *fragments.State
			var memo *Memo
			var title string
			for s := range steps {
				d := boardAt(i, s)
				full := execute(t, orig, d)
				want, wantState, err := fragments.Diff(ref, full)
				if !assert.NoError(t, err) {
					return
				}
				out, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true, Prev: st, Memo: memo, Title: title,
					Cache: shared, Patches: patches})
				if !assert.NoError(t, err, "session %d, step %d", i, s) {
					return
				}
				if ref != nil && !assert.Equal(t, want, out.Updates, "session %d, step %d: its own page's updates", i, s) {
					return
				}
				got := *out.State
				got.PageHash = wantState.PageHash
				if !assert.Equal(t, *wantState, got, "session %d, step %d: its own page's State", i, s) {
					return
				}
				st, memo, ref = out.State, out.Memo, wantState
				if out.TitleKnown {
					title = out.Title
				}
			}
		})
	}
	wg.Wait()
	assert.Positive(t, rememberedHTML.Load()-remembered0, "renders took HTML the plan remembers")
	assert.Positive(t, keptHTML.Load()-kept0, "renders took re-sent HTML from their memo")
}
