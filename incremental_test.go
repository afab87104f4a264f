package statetemplate_test

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

// board is the data of the incremental-rendering tests: a title, a list
// of cards and a clock line.
type board struct {
	Title string
	Cards []card
	Clock int
}

type card struct {
	ID   string
	Text string
}

// calls counts the calls of the template function seen, by argument: how
// often each part was executed.
type calls struct{ n sync32 }

type sync32 struct {
	title, card, clock atomic.Int32
}

func boardTemplate(c *calls, extra template.FuncMap) *template.Template {
	funcs := template.FuncMap{
		"seen": func(what, v string) string {
			switch what {
			case "title":
				c.n.title.Add(1)
			case "card":
				c.n.card.Add(1)
			case "clock":
				c.n.clock.Add(1)
			}
			return v
		},
	}
	for k, v := range extra {
		funcs[k] = v
	}
	return template.Must(template.New("board").Funcs(funcs).Parse(`<!DOCTYPE html><html><body>
<h1 id="title">{{seen "title" .Title}}</h1>
<ul id="cards">{{range .Cards}}
  <li id="card-{{.ID}}">{{seen "card" .Text}}</li>{{end}}
</ul>
<p id="clock">{{seen "clock" (printf "%d" .Clock)}}</p>
</body></html>`))
}

func newBoard(n int) *board {
	b := &board{Title: "Board"}
	for i := range n {
		b.Cards = append(b.Cards, card{ID: fmt.Sprint(i), Text: fmt.Sprint("card ", i)})
	}
	return b
}

func TestRenderFragments_ExecutesOnlyThePartsWhoseDataChanged(t *testing.T) {
	c := &calls{}
	r := newRendererOf(t, boardTemplate(c, nil))
	_, s := openRendered(t, r, newBoard(20))
	d := s.Data().(*board)
	before := [3]int32{c.n.title.Load(), c.n.card.Load(), c.n.clock.Load()}
	require.Equal(t, int32(20), before[1], "the page rendered every card")

	d.Clock++
	ups, err := s.RenderFragments(context.Background(), d)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Equal(t, "clock", ups[0].FragmentID)
	assert.Equal(t, before[0], c.n.title.Load(), "the title did not change: not executed")
	assert.Equal(t, before[1], c.n.card.Load(), "no card changed: none executed")
	assert.Equal(t, before[2]+1, c.n.clock.Load())

	d.Cards[7].Text = "changed"
	ups, err = s.RenderFragments(context.Background(), d)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Equal(t, "card-7", ups[0].FragmentID)
	assert.Equal(t, [2]string{statetemplate.ActionText, "changed"}, [2]string{ups[0].Action, ups[0].HTML},
		"only the card's text changed: the text alone")
	assert.Equal(t, before[1]+1, c.n.card.Load(), "one card changed: one executed")
}

func TestWithFullRendering_ExecutesTheWholePageEveryTime(t *testing.T) {
	c := &calls{}
	r := newRendererOf(t, boardTemplate(c, nil), statetemplate.WithFullRendering())
	_, s := openRendered(t, r, newBoard(20))
	assert.Equal(t, int32(20), tickClock(t, c, s), "every card executed again")
}

// tickClock moves the board's clock, checks that only the clock is
// updated, and returns how many cards were executed for it.
func tickClock(t *testing.T, c *calls, s *statetemplate.Session) int32 {
	t.Helper()
	d := s.Data().(*board)
	cards := c.n.card.Load()
	d.Clock++
	ups, err := s.RenderFragments(context.Background(), d)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Equal(t, "clock", ups[0].FragmentID, "only the clock changed")
	return c.n.card.Load() - cards
}

func TestVolatileFuncs_PartsCallingThemRenderEveryTime(t *testing.T) {
	var stamp, clock atomic.Int32
	funcs := template.FuncMap{
		// stamp varies between calls with the same argument: only the
		// app can say so.
		"stamp": func(s string) string { return fmt.Sprint(s, stamp.Add(1)) },
		// now takes no argument: volatile without being named.
		"now": func() int32 { return clock.Add(1) },
	}
	// The filler makes replacing the body cost more than the three parts.
	tmpl := template.Must(template.New("p").Funcs(funcs).Parse(`<body>` + strings.Repeat("filler ", 40) +
		`<p id="a">{{stamp "a"}}</p><p id="b">{{now}}</p><p id="c">{{.}}</p></body>`))
	r := newRendererOf(t, tmpl, statetemplate.WithVolatileFuncs("stamp"))
	tok, err := r.CreateSession(context.Background(), 1)
	require.NoError(t, err)
	page, err := r.RenderPage(tok)
	require.NoError(t, err)
	assert.Contains(t, page, `<p id="a">a1</p><p id="b">1</p>`)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	defer s.Close()
	ups, err := s.RenderFragments(context.Background(), 2)
	require.NoError(t, err)
	got := map[string]string{}
	for _, u := range ups {
		got[u.FragmentID] = u.Action + " " + u.HTML
	}
	assert.Equal(t, map[string]string{"a": "text a2", "b": "text 2", "c": "text 2"}, got,
		"the volatile parts render again with the one whose data changed")
}

func TestNew_TemplateExecutedBeforehandRendersWholeAndWarns(t *testing.T) {
	c := &calls{}
	tmpl := boardTemplate(c, nil)
	require.NoError(t, tmpl.Execute(&bytes.Buffer{}, newBoard(1)))
	var logs bytes.Buffer
	r := newRendererOf(t, tmpl, statetemplate.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "executed before New")
	_, s := openRendered(t, r, newBoard(5))
	assert.Equal(t, int32(5), tickClock(t, c, s), "the whole page was executed")
}

func TestWithFragmentCache_RejectsANegativeBudget(t *testing.T) {
	_, err := statetemplate.New(pageTmpl, statetemplate.WithFragmentCache(-1))
	assert.ErrorIs(t, err, statetemplate.ErrInvalidOption)
}

func TestRenderPage_IsExactlyTheTemplatesOutput(t *testing.T) {
	for _, name := range []string{"incremental", "full"} {
		t.Run(name, func(t *testing.T) {
			c := &calls{}
			var opts []statetemplate.Option
			if name == "full" {
				opts = append(opts, statetemplate.WithFullRendering())
			}
			r := newRendererOf(t, boardTemplate(c, nil), opts...)
			d := newBoard(3)
			tok, err := r.CreateSession(context.Background(), d)
			require.NoError(t, err)
			page, err := r.RenderPage(tok)
			require.NoError(t, err)
			var want strings.Builder
			require.NoError(t, boardTemplate(&calls{}, nil).Execute(&want, d))
			assert.Equal(t, want.String(), page)
		})
	}
}
