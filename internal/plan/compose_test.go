package plan

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
)

// footerPage is a page whose data-cache="false" footer has a static shell
// around three parts: the tab's own id, and two that every tab shares.
const footerPage = `<body><main id="main"><p id="count">{{.Count}}</p>
<footer id="footer" data-cache="false"><!-- status -->
  <span>Clock: <span id="clock">{{.Clock}}</span></span>
  <span>State: <span id="state">{{if .Up}}up{{else}}down{{end}}</span></span>
  <span>Tab: <span id="tab">{{.Tab}}</span></span>
</footer></main></body>`

type footerData struct {
	Count int
	Clock string
	Up    bool
	Tab   string
}

func TestStaticShell_ComposesOnlyShellsOfTextAndConditionsAroundParts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		funcs template.FuncMap
		id    string // the part's element id
		shell string // "": not static; else the composition, as describe writes it
	}{
		{
			name: "text around parts, its comment stripped as html/template strips it",
			src:  `<div id="o">a <!-- c --><b id="x">{{.A}}</b> &amp; <i id="y">{{.B}}</i></div>`,
			// The whitespace before a part's element is its lead: the part's.
			id: "o", shell: `<div id="o">a{{call 0 1}} &amp;{{call 0 1}}</div>`,
		},
		{
			name: "a variable of the part passed to a part inside",
			src:  `{{with $v := .Sub}}<div id="o"><b id="x">{{$v.A}}</b></div>{{end}}`,
			id:   "o", shell: `<div id="o">{{call 0 1 2}}</div>`,
		},
		{
			name: "conditions of fields and builtins, with else and else if",
			src:  `<div id="o" {{if ge .N .Max}}disabled{{end}}>{{if .F}}yes{{else if not $.G}}no{{else}}<b id="x">{{.A}}</b>{{end}}</div>`,
			id:   "o", shell: `<div id="o" {{if}}disabled{{end}}>{{if}}yes{{else}}{{if}}no{{else}}{{call 0 1}}{{end}}{{end}}</div>`,
		},
		{
			name: "a part inside a condition on a variable's field and a constant",
			src:  `{{with $v := .Sub}}<div id="o">{{if eq $v.A "k" (len $.L)}}<b id="x">{{$v.A}}</b>{{end}}</div>{{end}}`,
			id:   "o", shell: `<div id="o">{{if}}{{call 0 1 2}}{{end}}</div>`,
		},
		{name: "a condition on dot itself", src: `<div id="o">{{if .}}yes{{end}}<b id="x">{{.A}}</b></div>`, id: "o"},
		{name: "a condition of a method call", src: `<div id="o">{{if .M 1}}yes{{end}}<b id="x">{{.A}}</b></div>`, id: "o"},
		{name: "a condition of an app's function", src: `<div id="o">{{if f .A}}yes{{end}}<b id="x">{{.A}}</b></div>`, funcs: template.FuncMap{"f": func(string) bool { return true }}, id: "o"},
		{name: "a builtin the app redefines", src: `<div id="o">{{if not .F}}yes{{end}}<b id="x">{{.A}}</b></div>`, funcs: template.FuncMap{"not": func(bool) bool { return true }}, id: "o"},
		{name: "a pipeline", src: `<div id="o">{{if .F | not}}yes{{end}}<b id="x">{{.A}}</b></div>`, id: "o"},
		{name: "a value printed in the shell", src: `<div id="o">{{.N}}<b id="x">{{.A}}</b></div>`, id: "o"},
		{name: "a value printed in a condition", src: `<div id="o">{{if .F}}{{.N}}{{end}}<b id="x">{{.A}}</b></div>`, id: "o"},
		{name: "an attribute computed in the shell", src: `<div id="o" class="{{.C}}"><b id="x">{{.A}}</b></div>`, id: "o"},
		{name: "a with in the shell", src: `<div id="o">{{with .S}}s{{end}}<b id="x">{{.A}}</b></div>`, id: "o"},
		{name: "a leaf", src: `<div id="o">{{if .F}}text{{end}}</div>`, id: "o"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Build(template.Must(template.New("page").Funcs(tc.funcs).Parse(tc.src)), Options{})
			require.NoError(t, err)
			require.True(t, p.Entry(""))
			u := partWithID(t, p, tc.id)
			if tc.shell == "" {
				assert.Nil(t, u.static)
				return
			}
			require.NotNil(t, u.static)
			assert.Equal(t, tc.shell, describe(u.static.body))
		})
	}
}

// describe writes a composition as text, its calls with their inputs and
// its conditions without theirs.
func describe(nodes []snode) string {
	var b strings.Builder
	for _, n := range nodes {
		switch {
		case n.cond != nil:
			b.WriteString("{{if}}" + describe(n.then))
			if n.els != nil {
				b.WriteString("{{else}}" + describe(n.els))
			}
			b.WriteString("{{end}}")
		case n.call != nil:
			b.WriteString("{{call")
			for _, a := range n.call.args {
				b.WriteString(" " + strconv.Itoa(a))
			}
			b.WriteString("}}")
		default:
			b.WriteString(n.text)
		}
	}
	return b.String()
}

// partWithID returns the part unit of p whose element has id id.
func partWithID(t *testing.T, p *Plan, id string) *unit {
	t.Helper()
	for _, u := range p.units {
		if u.kind == kindPart && strings.Contains(firstText(p, u), `id="`+id+`"`) {
			return u
		}
	}
	t.Fatalf("no part with id %q", id)
	return nil
}

// firstText returns the text of part u's template before its first part.
func firstText(p *Plan, u *unit) string {
	s := p.parts[u.id].Tree.Root.String()
	if i := strings.Index(s, "{{with "+fnEnter); i >= 0 {
		s = s[:i]
	}
	return s
}

// footerTab is one session of footerPage.
type footerTab struct {
	d   *footerData
	out Output
	ref *fragments.State
}

// renderTab renders tab's data as an update of the page it has, checks it
// against fragments.Diff of its own whole page, and returns the updates.
func renderTab(t *testing.T, p *Plan, orig *template.Template, tab *footerTab, c Cache, patches *fragments.PatchCache) []fragments.Update {
	t.Helper()
	full := execute(t, orig, tab.d)
	wantUps, wantState, err := fragments.Diff(tab.ref, full)
	require.NoError(t, err)
	in := Input{Data: tab.d, Enc: encode(t, tab.d), EncKept: true, Cache: c, Patches: patches}
	if tab.ref == nil {
		var page bytes.Buffer
		in.Page = &page
		out, err := p.Render(in)
		require.NoError(t, err)
		require.Equal(t, string(full), page.String())
		tab.out, tab.ref = out, wantState
		return nil
	}
	in.Prev, in.Memo = tab.out.State, tab.out.Memo
	out, err := p.Render(in)
	require.NoError(t, err)
	require.Equal(t, wantUps, out.Updates, "the tab's updates are Diff's of its own page")
	stateEqual(t, wantState, out.State)
	tab.out, tab.ref = out, wantState
	return out.Updates
}

// buildFooter builds the plan of the page src, and returns it with a
// parse of src that is never given to Build, to execute as the reference.
func buildFooter(t *testing.T, src string) (*Plan, *template.Template) {
	t.Helper()
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	return p, template.Must(template.New("page").Parse(src))
}

// footerHTML returns the HTML of the footer's update among ups.
func footerHTML(t *testing.T, ups []fragments.Update) string {
	t.Helper()
	for _, u := range ups {
		if u.FragmentID == "footer" {
			require.Equal(t, fragments.ActionReplace, u.Action, "data-cache=\"false\": re-sent whole")
			return u.HTML
		}
	}
	t.Fatalf("no footer update in %v", ups)
	return ""
}

func TestCompose_SessionsDifferingInOneByteOfASharedSubPartShareNothingOfIt(t *testing.T) {
	p, orig := buildFooter(t, footerPage)
	require.NotNil(t, partWithID(t, p, "footer").static, "the footer's shell is static")
	shared := &countingCache{m: map[cache.Key]string{}}
	patches := fragments.NewPatchCache(1 << 20)
	// The tabs' clocks differ in one byte; their ids are equal, so that
	// only the shared part tells them apart.
	a := &footerTab{d: &footerData{Clock: "10:00:01", Up: true, Tab: "t"}}
	b := &footerTab{d: &footerData{Clock: "10:00:02", Up: true, Tab: "t"}}
	for _, tab := range []*footerTab{a, b} {
		renderTab(t, p, orig, tab, shared, patches)
	}
	composed := composedParts.Load()
	for _, tab := range []*footerTab{a, b} {
		tab.d.Count++
		ups := renderTab(t, p, orig, tab, shared, patches)
		html := footerHTML(t, ups)
		assert.Contains(t, html, `<span id="clock">`+tab.d.Clock+`</span>`)
		other := "10:00:01"
		if tab == a {
			other = "10:00:02"
		}
		assert.NotContains(t, html, other, "no HTML of the other tab's clock")
	}
	assert.Equal(t, int64(2), composedParts.Load()-composed, "each tab's footer composed, not executed")
	assert.Positive(t, shared.hits, "the state part, read alike by both tabs, is shared")
}

func TestCompose_OwnAndSharedSubPartsChangeApart(t *testing.T) {
	p, orig := buildFooter(t, footerPage)
	shared := &countingCache{m: map[cache.Key]string{}}
	patches := fragments.NewPatchCache(1 << 20)
	tabs := []*footerTab{
		{d: &footerData{Clock: "10:00:00", Up: true, Tab: "tab-1"}},
		{d: &footerData{Clock: "10:00:00", Up: true, Tab: "tab-2"}},
	}
	for _, tab := range tabs {
		renderTab(t, p, orig, tab, shared, patches)
	}
	for _, step := range []struct {
		name   string
		change func(i int, d *footerData)
		// composed: the footer changed, and is composed. Otherwise it is
		// re-sent unchanged, its HTML from the shared cache by its exact
		// input bytes (its tab's own last render), or composed.
		composed bool
	}{
		{"the tab's own part changes, the shared ones do not", func(i int, d *footerData) { d.Tab += "x" }, true},
		{"a shared part changes, the tab's own does not", func(_ int, d *footerData) { d.Clock = "10:00:01" }, true},
		{"both change", func(_ int, d *footerData) { d.Up = false; d.Tab += "y" }, true},
		{"another part of the page changes, none of the footer's", func(_ int, d *footerData) { d.Count++ }, false},
	} {
		t.Run(step.name, func(t *testing.T) {
			composed := composedParts.Load()
			for i, tab := range tabs {
				step.change(i, tab.d)
				html := footerHTML(t, renderTab(t, p, orig, tab, shared, patches))
				assert.Contains(t, html, `<span id="tab">`+tab.d.Tab+`</span>`, "tab %d's own id", i)
				assert.Contains(t, html, `<span id="clock">`+tab.d.Clock+`</span>`)
			}
			if step.composed {
				assert.Equal(t, int64(len(tabs)), composedParts.Load()-composed, "every footer composed")
			}
		})
	}
}

// TestCompose_ShellTextIsWhatHTMLTemplateWrites composes shells whose text
// html/template rewrites (comments stripped, in HTML, script and style;
// whitespace a trim marker eats; a URL's ampersand) and checks every page
// and update against executing the template.
func TestCompose_ShellTextIsWhatHTMLTemplateWrites(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"html comment", `<div id="o">a <!-- c --><b id="x">{{.Clock}}</b> b</div>`},
		{"script with a comment", `<div id="o"><script>/* c */ var s = '<b>'; // d
</script><b id="x">{{.Clock}}</b></div>`},
		{"style with a comment", `<div id="o"><style>/* c */ p { color: red }</style><b id="x">{{.Clock}}</b></div>`},
		{"trim markers", `<div id="o">a   {{- /* c */ -}}   <b id="x">{{.Clock}}</b>  {{- /* d */}}  </div>`},
		{"url and entities", `<div id="o"><a href="/x?a=1&b=2">&lt;l&#39;</a><b id="x">{{.Clock}}</b></div>`},
		{"a shell inside with, its part reading $", `{{with .Rows}}<div id="o">a<b id="x">{{index . 0}}{{$.Clock}}</b>b</div>{{end}}`},
		{"a part inside a part", `<div id="o">a<div id="p">b<b id="x">{{.Clock}}</b>c</div>d<i id="y">{{.Tab}}</i></div>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := template.Must(template.New("page").Parse(tc.src))
			orig := template.Must(template.New("page").Parse(tc.src))
			p, err := Build(tmpl, Options{})
			require.NoError(t, err)
			composed := composedParts.Load()
			var out Output
			var ref *fragments.State
			for i, d := range []*composeData{
				{Clock: "<1>", Tab: "a", Rows: []string{"r1", "r2"}},
				{Clock: "2&", Tab: "b", Rows: []string{"r2"}},
				{Clock: "2&", Tab: "c", Rows: []string{"r2", "r3"}},
			} {
				full := execute(t, orig, d)
				wantUps, wantState, err := fragments.Diff(ref, full)
				require.NoError(t, err)
				in := Input{Data: d, Enc: encode(t, d), EncKept: true}
				var page bytes.Buffer
				if i == 0 {
					in.Page = &page
				} else {
					in.Prev, in.Memo = out.State, out.Memo
				}
				out, err = p.Render(in)
				require.NoError(t, err)
				if i == 0 {
					require.Equal(t, string(full), page.String())
				} else {
					require.Equal(t, wantUps, out.Updates, "step %d", i)
				}
				stateEqual(t, wantState, out.State)
				ref = wantState
			}
			require.Positive(t, composedParts.Load()-composed, "the shell is composed")
		})
	}
}

type composeData struct {
	Clock, Tab string
	Rows       []string
}
