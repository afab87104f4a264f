package plan

import (
	"bytes"
	"fmt"
	"html/template"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
)

// rsData is the data of the pages of re-sent shells: Tab is the session's
// own, the rest is drawn alike for every tab (a push).
type rsData struct {
	Count      int
	Up, Id, In bool
	A, B, Cid  string
	Ws, T      string
	Tab        string
}

// rsTab is one session of a page of re-sent shells.
type rsTab struct {
	d   *rsData
	out Output
	ref *fragments.State
}

// render renders tab's data as an update of the page it has (or its first
// page) and checks it against fragments.Diff of its own whole page.
func (tab *rsTab) render(t *testing.T, p *Plan, orig *template.Template, c Cache, patches *fragments.PatchCache, msg string) []fragments.Update {
	t.Helper()
	full := execute(t, orig, tab.d)
	wantUps, wantState, err := fragments.Diff(tab.ref, full)
	require.NoError(t, err)
	in := Input{Data: tab.d, Enc: encode(t, tab.d), EncKept: true, Cache: c, Patches: patches}
	var page bytes.Buffer
	if tab.ref == nil {
		in.Page = &page
	} else {
		in.Prev, in.Memo = tab.out.State, tab.out.Memo
	}
	out, err := p.Render(in)
	require.NoError(t, err, msg)
	if tab.ref == nil {
		require.Equal(t, string(full), page.String(), msg)
	} else {
		require.Equal(t, wantUps, out.Updates, "%s: the tab's updates are Diff's of its own page", msg)
		stateEqual(t, wantState, out.State, msg)
	}
	tab.out, tab.ref = out, wantState
	return out.Updates
}

// TestResentShell_AdversarialShapesUpdateAsDiff pushes random changes to
// several tabs of pages whose data-cache="false" parts nest, gain and lose
// ids, change their whitespace, attributes and escaping: every update and
// State is Diff's of the tab's whole page, and no tab receives another's
// id.
func TestResentShell_AdversarialShapesUpdateAsDiff(t *testing.T) {
	cases := []struct{ name, src string }{
		{"nested data-cache=false without an id", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><span id="a">{{.A}}</span><div data-cache="false"><b id="b">{{.B}}</b></div> <span id="tab">{{.Tab}}</span></footer></body>`},
		{"nested data-cache=false part", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><span id="a">{{.A}}</span><div id="in" data-cache="false"><b id="b">{{.B}}</b>{{if .Up}}!{{end}}</div> <span id="tab">{{.Tab}}</span></footer></body>`},
		{"sub-part gains and loses an id", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><span id="a">{{.A}}{{if .Id}}<b id="bb">{{.B}}</b>{{else}}<b>{{.B}}</b>{{end}}</span> <span id="tab">{{.Tab}}</span></footer></body>`},
		{"sub-part's id changes", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><span id="{{.Cid}}">{{.A}}</span> <span id="tab">{{.Tab}}</span></footer></body>`},
		{"sub-part's whitespace changes", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false">
  <div id="a">{{.Ws}}<i>{{.A}}</i>{{.Ws}}</div>{{if .Up}}
  {{end}}<span id="tab">{{.Tab}}</span>
</footer></body>`},
		{"root attributes change", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false" title="{{.T}}" {{if .Up}}hidden{{end}}><span id="a">{{.A}}</span> <span id="tab">{{.Tab}}</span></footer></body>`},
		{"attribute escaping of a part", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><a id="a" href="/x?{{.T}}" onclick="f({{.T}})" title="{{.T}}">{{.A}}</a> <span id="tab">{{.Tab}}</span></footer></body>`},
		{"shell text like a part's", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><span id="a">{{.A}}</span>{{if .Up}}<span>{{.B}}</span>{{end}} <span id="tab">{{.Tab}}</span></footer></body>`},
		{"two re-sent shells nested in one part", `<body><main id="m"><p id="n">{{.Count}}</p>
<section id="s1" data-cache="false"><span id="a">{{.A}}</span> <span id="tab">{{.Tab}}</span></section>
<section id="s2" data-cache="false"><span id="b">{{.B}}</span>{{if .In}}<i id="i">{{.A}}</i>{{end}}</section></main></body>`},
		{"re-sent shell in a re-sent shell", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><span id="a">{{.A}}</span><nav id="inner" data-cache="false"><span id="b">{{.B}}</span></nav> <span id="tab">{{.Tab}}</span></footer></body>`},
		{"nested data-cache=false fragment of the shell", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><div id="inner" data-cache="false">static <i>x</i></div><span id="a">{{.A}}</span> <span id="tab">{{.Tab}}</span></footer></body>`},
		{"empty sub-part", `<body><p id="n">{{.Count}}</p>
<footer id="f" data-cache="false"><span id="a">{{.A}}</span><span id="e">{{if .In}}{{.B}}{{end}}</span> <span id="tab">{{.Tab}}</span></footer></body>`},
	}
	vals := []string{"", "x", "x ", "<&>", "\"'", " x", "\n", "y"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig := template.Must(template.New("page").Parse(tc.src))
			p, err := Build(template.Must(template.New("page").Parse(tc.src)), Options{})
			require.NoError(t, err)
			shared := &countingCache{m: map[cache.Key]string{}}
			patches := fragments.NewPatchCache(1 << 20)
			rng := rand.New(rand.NewPCG(1, uint64(len(tc.name))))
			tabs := make([]*rsTab, 3)
			for i := range tabs {
				tabs[i] = &rsTab{d: &rsData{A: "a", B: "b", Cid: "c1", Tab: fmt.Sprintf("TAB%d", i)}}
				tabs[i].render(t, p, orig, shared, patches, "first page")
			}
			resent := resentShells.Load()
			for step := range 200 {
				var change func(d *rsData)
				switch k := rng.IntN(10); k {
				case 0, 1:
					v := !tabs[0].d.Up
					change = func(d *rsData) { d.Up = v }
				case 2:
					v := !tabs[0].d.Id
					change = func(d *rsData) { d.Id = v }
				case 3:
					v := !tabs[0].d.In
					change = func(d *rsData) { d.In = v }
				case 4:
					v := []string{"c1", "c2"}[rng.IntN(2)]
					change = func(d *rsData) { d.Cid = v }
				case 5:
					v := []string{"", " ", "\n  ", "\t"}[rng.IntN(4)]
					change = func(d *rsData) { d.Ws = v }
				case 6:
					v := vals[rng.IntN(len(vals))]
					change = func(d *rsData) { d.T = v }
				case 7:
					v := vals[rng.IntN(len(vals))]
					change = func(d *rsData) { d.B = v }
				default:
					v := vals[rng.IntN(len(vals))]
					change = func(d *rsData) { d.A = v }
				}
				for i, tab := range tabs {
					change(tab.d)
					// The page outside the footer always changes. (An update
					// whose page is byte for byte the last one is another
					// matter: Diff gives none, while a skipped render still
					// re-sends the data-cache="false" parts, before perf13 too.)
					tab.d.Count++
					if rng.IntN(8) == 0 {
						tab.d.Tab += "z"
					}
					msg := fmt.Sprintf("step %d, tab %d, data %+v", step, i, *tab.d)
					for _, u := range tab.render(t, p, orig, shared, patches, msg) {
						for j, other := range tabs {
							if j != i {
								assert.NotContains(t, u.HTML, other.d.Tab+"<", "%s: tab %d's id", msg, j)
							}
						}
					}
				}
			}
			t.Logf("%d re-sent shells", resentShells.Load()-resent)
		})
	}
}
