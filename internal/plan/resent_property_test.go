package plan

import (
	"fmt"
	"html/template"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
)

type resentSub struct{ A string }

type resentData struct {
	Count int
	Clock string
	Flag  bool
	Sub   resentSub
	Items []boardItem
	M     map[string]int
}

// resentPages are pages whose data-cache="false" parts, re-sent on every
// update, read their inputs every way a template can: a root field, $ and
// the item in a range's rows, a map range's key, a variable, a with's dot,
// a function of the app, a condition around them, a part inside.
var resentPages = []string{
	`<aside id="a" data-cache="false">{{.Clock}}</aside>`,
	`<ul id="rows">{{range .Items}}<li id="r-{{.ID}}">{{.Name}}<span id="s-{{.ID}}" data-cache="false">{{$.Clock}}</span></li>{{end}}</ul>`,
	`<ul id="rows">{{range .Items}}<li id="r-{{.ID}}"><span id="s-{{.ID}}" data-cache="false">{{.Name}} {{.Price}}</span></li>{{end}}</ul>`,
	`<ul id="rows">{{range $i, $it := .Items}}<li id="r-{{$it.ID}}"><span id="s-{{$it.ID}}" data-cache="false">{{$i}} {{$it.Name}}</span></li>{{end}}</ul>`,
	`<div id="m">{{range $k, $v := .M}}<i id="m-{{$k}}" data-cache="false">{{$k}}={{$v}}</i>{{end}}</div>`,
	`{{$c := .Clock}}<aside id="a" data-cache="false">{{$c}} {{.Sub.A}}</aside>`,
	`{{with .Sub}}<aside id="a" data-cache="false">{{.A}} {{$.Clock}}</aside>{{end}}`,
	`<aside id="a" data-cache="false">{{upper .Clock}}</aside>`,
	`{{if .Flag}}<aside id="a" data-cache="false">{{.Clock}}</aside>{{else}}<aside id="b" data-cache="false">{{.Sub.A}}</aside>{{end}}`,
	`<footer id="f" data-cache="false">At <span id="t">{{.Clock}}</span> {{.Sub.A}}</footer>`,
}

// TestProperty_ReSentPartsFromTheMemoAreTheirOwnPage renders sessions of
// pages whose re-sent data-cache="false" parts are taken from the memo
// when what they read is unchanged, over random changes of what they read
// and of what they do not, through one shared cache: every render is
// Diff's of the session's own whole page.
func TestProperty_ReSentPartsFromTheMemoAreTheirOwnPage(t *testing.T) {
	shared, err := cache.NewFragments(1 << 20)
	require.NoError(t, err)
	defer shared.Close()
	smallLayouts(t)
	checkKept(t, true)
	funcs := template.FuncMap{"upper": strings.ToUpper}
	kept0 := keptHTML.Load()
	rapid.Check(t, func(t *rapid.T) {
		body := rapid.SampledFrom(resentPages).Draw(t, "page")
		src := `<body><main id="main"><p id="count">{{.Count}}</p>` + body + `</main></body>`
		p, err := Build(template.Must(template.New("page").Funcs(funcs).Parse(src)), Options{})
		require.NoError(t, err)
		require.True(t, p.Entry(""), src)
		orig := template.Must(template.New("page").Funcs(funcs).Parse(src))
		pushed := &resentData{Clock: "10:00", Sub: resentSub{A: "a"}, M: map[string]int{"x": 1, "y": 2}}
		for k := range 3 {
			pushed.Items = append(pushed.Items, boardItem{ID: k, Name: fmt.Sprintf("Q%d", k), Price: k})
		}
		copyOf := func(d *resentData) *resentData {
			v, err := session.DecodeAs(reflect.TypeOf(d), encode(t, d))
			require.NoError(t, err)
			return v.(*resentData)
		}
		type sess struct {
			d     *resentData
			st    *fragments.State
			ref   *fragments.State
			memo  *Memo
			title string
		}
		all := make([]*sess, rapid.IntRange(1, 3).Draw(t, "sessions"))
		for i := range all {
			all[i] = &sess{d: copyOf(pushed)}
		}
		next := 100
		for step := range rapid.IntRange(2, 12).Draw(t, "steps") {
			mutateResent(t, pushed, step, &next)
			for _, s := range all {
				s.d = copyOf(pushed)
			}
			if rapid.IntRange(0, 3).Draw(t, "own") == 0 {
				mutateResent(t, all[rapid.IntRange(0, len(all)-1).Draw(t, "session")].d, step, &next)
			}
			for k, s := range rapid.Permutation(all).Draw(t, "order") {
				full := execute(t, orig, s.d)
				want, wantState, err := fragments.Diff(s.ref, full)
				require.NoError(t, err)
				out, err := p.Render(Input{Data: s.d, Enc: encode(t, s.d), EncKept: true, Prev: s.st, Memo: s.memo, Title: s.title, Cache: shared})
				require.NoError(t, err)
				switch {
				case s.ref == nil:
				case len(want) > 0:
					require.Equal(t, want, out.Updates, "step %d, session %d: its own page's updates", step, k)
				case len(out.Updates) > 0:
					// Unchanged, not seen as such: the data-cache="false"
					// fragments re-sent, as for any change.
					stale := *s.ref
					stale.PageHash = ^stale.PageHash
					resent, _, err := fragments.Diff(&stale, full)
					require.NoError(t, err)
					require.Equal(t, resent, out.Updates, "step %d, session %d: its re-sent fragments", step, k)
				}
				stateEqual(t, wantState, out.State, "step %d, session %d's State", step, k)
				s.st, s.memo, s.ref = out.State, out.Memo, wantState
				if out.TitleKnown {
					s.title = out.Title
				}
			}
		}
	})
	t.Logf("%d re-sent parts' HTML taken from the memo", keptHTML.Load()-kept0)
	require.Positive(t, keptHTML.Load()-kept0, "the property must take re-sent parts' HTML from the memo")
}

// mutateResent changes some of what d's parts read, mostly the count alone
// (the other parts re-sent unchanged).
func mutateResent(t *rapid.T, d *resentData, step int, next *int) {
	d.Count++
	for range rapid.IntRange(0, 2).Draw(t, "changes") {
		switch rapid.IntRange(0, 7).Draw(t, "change") {
		case 0:
			d.Clock = fmt.Sprintf("10:%02d", step)
		case 1:
			d.Flag = !d.Flag
		case 2:
			d.Sub.A += "a"
		case 3:
			if len(d.Items) > 0 {
				d.Items[rapid.IntRange(0, len(d.Items)-1).Draw(t, "item")].Name += "!"
			}
		case 4:
			*next++
			d.Items = append(d.Items, boardItem{ID: *next, Name: "new"})
		case 5:
			if len(d.Items) > 0 {
				i := rapid.IntRange(0, len(d.Items)-1).Draw(t, "removed")
				d.Items = slices.Delete(d.Items, i, i+1)
			}
		case 6:
			slices.Reverse(d.Items)
		default:
			d.M[rapid.SampledFrom([]string{"x", "y", "z"}).Draw(t, "key")] = step
		}
	}
}
