package plan

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate/fragments"
)

// TestProperty_WriteHTMLEscapedIsHTMLTemplates compares writeHTMLEscaped
// with what html/template writes for a plain string in HTML text and in a
// quoted attribute, for strings of every byte (invalid UTF-8 included).
func TestProperty_WriteHTMLEscapedIsHTMLTemplates(t *testing.T) {
	tmpl := template.Must(template.New("t").Parse(`{{.}}|<a title="{{.}}">`))
	rapid.Check(t, func(t *rapid.T) {
		var s string
		if rapid.Bool().Draw(t, "bytes") {
			s = string(rapid.SliceOf(rapid.Byte()).Draw(t, "b"))
		} else {
			s = rapid.StringOf(rapid.SampledFrom([]rune("aé€😀<>&'\"+=`\x00\t\n \uFFFD\uFDD0\uFFFF"))).Draw(t, "s")
		}
		var want bytes.Buffer
		require.NoError(t, tmpl.Execute(&want, s))
		var got bytes.Buffer
		writeHTMLEscaped(&got, s)
		got.WriteString(`|<a title="`)
		writeHTMLEscaped(&got, s)
		got.WriteString(`">`)
		require.Equal(t, want.String(), got.String())
	})
}

type leafChange struct {
	Action string
	Value  int
	At     time.Time
	Note   *leafNote
	HTML   template.HTML
	Any    any
	U      uint8
	B      bool
}

type leafNote struct{ Text string }

func (c leafChange) Label() string { return c.Action }

type leafData struct {
	Title   string
	History []leafChange
	Empty   []leafChange
	M       map[string]leafChange
	P       *[]leafChange
}

// TestLeaf_ComposedOrExecutedAsTheTemplateWrites renders pages whose leaf
// part prints values and ranges over slices: each is composed, or, where
// something cannot be computed as text/template computes it, executed;
// either way its page is byte for byte the app's Execute.
func TestLeaf_ComposedOrExecutedAsTheTemplateWrites(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 4, 5, 0, time.UTC)
	hist := []leafChange{
		{Action: "inc<r>", Value: 3, At: at, Note: &leafNote{"n&1"}, HTML: "<b>x</b>", Any: "s'1", U: 7, B: true},
		{Action: "a+b\"c", Value: -4, At: at.Add(time.Hour), Any: 12},
	}
	data := &leafData{Title: "T&T", History: hist, M: map[string]leafChange{"b": hist[1], "a": hist[0]}}
	for _, tc := range []struct {
		name, body string
		composed   bool // composed (else executed, or not a composition)
		static     bool // the part has a composition
	}{
		{"a history: a range, a time's Format, an int", `{{range $c := .History}}<li>{{$c.Action}} at {{$c.At.Format "3:04:05 PM"}} ({{$c.Value}})</li>{{end}}`, true, true},
		{"dot in the range, the root, an attribute", `{{range .History}}<li title="{{.Action}}">{{$.Title}} {{.U}} {{.B}} {{len $.History}}</li>{{end}}`, true, true},
		{"an interface's string and int", `{{range .History}}{{.Any}};{{end}}`, true, true},
		{"conditions in the rows, an else of the range", `{{range $c := .History}}{{if gt $c.Value 0}}+{{else}}-{{end}}{{end}}{{range .Empty}}x{{else}}none {{.Title}}{{end}}`, true, true},
		{"a shadowed variable", `{{range $c := .History}}{{range $c := $.History}}{{$c.Value}}{{end}}{{$c.Action}}{{end}}`, true, true},
		{"a pointer's field where a condition holds", `{{range .History}}{{if .B}}{{.Note.Text}}{{end}}{{end}}`, true, true},
		{"a pointer's field where it is not nil", `{{range .History}}{{if .Note}}{{.Note.Text}}{{end}}{{end}}`, true, true},
		{"a nil pointer on the path: executed, and fails as Execute does", `{{range .History}}{{.Note.Text}}{{end}}`, false, true},
		{"template.HTML: executed", `{{range .History}}{{.HTML}}{{end}}`, false, true},
		{"a map ranged over: executed", `{{range .M}}{{.Action}}{{end}}`, false, true},
		{"a pointer to a slice ranged over: executed", `{{range .P}}{{.Action}}{{end}}x{{.Title}}`, false, true},
		{"a method: executed", `{{range .History}}{{.Label}}{{end}}`, false, true},
		{"a function: not composed", `{{range .History}}{{printf "%d" .Value}}{{end}}`, false, false},
		{"two variables: not composed", `{{range $i, $c := .History}}{{$c.Value}}{{end}}`, false, false},
		{"a script's value: not composed", `<script>var x = {{.Title}};</script>`, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `<body><div id="o">` + tc.body + `</div></body>`
			orig := template.Must(template.New("page").Parse(src))
			// Funcs, even none, lets Build read which builtins the set keeps.
			p, err := Build(template.Must(template.New("page").Funcs(template.FuncMap{}).Parse(src)), Options{})
			require.NoError(t, err)
			u := partWithID(t, p, "o")
			require.Equal(t, tc.static, u.static != nil && u.static.leaf, "a leaf's composition")
			composed, executed := composedLeaves.Load(), leavesExecuted.Load()
			var page bytes.Buffer
			out, err := p.Render(Input{Data: data, Enc: encode(t, data), Page: &page})
			want, wantErr := executeErr(orig, data)
			if wantErr != nil {
				require.Error(t, err, "the plan fails as Execute does")
				return
			}
			require.NoError(t, err)
			require.Equal(t, string(want), page.String())
			_, wantState, err := fragments.Diff(nil, want)
			require.NoError(t, err)
			stateEqual(t, wantState, out.State)
			if tc.composed {
				assert.Equal(t, int64(1), composedLeaves.Load()-composed, "composed")
			} else {
				assert.Equal(t, composed, composedLeaves.Load(), "not composed")
			}
			if tc.static && !tc.composed {
				assert.Equal(t, int64(1), leavesExecuted.Load()-executed, "executed instead")
			}
		})
	}
}

// executeErr is the app's Execute of the page, and its error.
func executeErr(tmpl *template.Template, d any) ([]byte, error) {
	var b bytes.Buffer
	err := tmpl.Execute(&b, d)
	return b.Bytes(), err
}

// TestLeaf_HistoryRowsMoveAsTheTemplateWrites renders a counter's history
// that moves by one row per update, as the dashboard's does: every update
// is composed and is Diff's of the whole page.
func TestLeaf_HistoryRowsMoveAsTheTemplateWrites(t *testing.T) {
	src := `<body><p id="n">{{.Title}}</p><section id="s" data-cache="false"><div id="h"><ul>{{range $c := .History}}
  <li>{{$c.Action}} at {{$c.At.Format "3:04:05 PM"}} ({{$c.Value}})</li>{{end}}</ul></div></section></body>`
	orig := template.Must(template.New("page").Parse(src))
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	d := &leafData{Title: "t"}
	at := time.Date(2026, 12, 2, 15, 4, 5, 0, time.UTC)
	var prev Output
	var ref *fragments.State
	composed := composedLeaves.Load()
	for i := range 12 {
		d.History = append(d.History, leafChange{Action: strings.Repeat("<i>", i%3), Value: i, At: at.Add(time.Duration(i) * time.Second)})
		if len(d.History) > 5 {
			d.History = d.History[1:]
		}
		full := execute(t, orig, d)
		wantUps, wantState, err := fragments.Diff(ref, full)
		require.NoError(t, err)
		out, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true, Prev: prev.State, Memo: prev.Memo})
		require.NoError(t, err)
		if ref != nil {
			require.Equal(t, wantUps, out.Updates, "update %d", i)
		}
		stateEqual(t, wantState, out.State)
		prev, ref = out, wantState
	}
	assert.Positive(t, composedLeaves.Load()-composed, "the history is composed")
}

// TestLeaf_ExecutedAtOnceAfterMisses renders a leaf that prints a method
// of its data's type, which it never composes: after maxLeafMisses
// renders it no longer tries, and every page is the app's Execute.
func TestLeaf_ExecutedAtOnceAfterMisses(t *testing.T) {
	src := `<body><div id="o">{{range .History}}{{.Label}}{{end}}</div></body>`
	orig := template.Must(template.New("page").Parse(src))
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	require.NotNil(t, partWithID(t, p, "o").static)
	d := &leafData{}
	executed := leavesExecuted.Load()
	for i := range 2 * maxLeafMisses {
		d.History = append(d.History, leafChange{Action: strings.Repeat("a", i)})
		var page bytes.Buffer
		_, err := p.Render(Input{Data: d, Enc: encode(t, d), Page: &page})
		require.NoError(t, err)
		require.Equal(t, string(execute(t, orig, d)), page.String())
	}
	assert.Equal(t, int64(maxLeafMisses), leavesExecuted.Load()-executed, "tried maxLeafMisses times, then executed at once")
}

// TestLeaf_ComposedAgainAfterTheDataThatMissedIsGone renders a leaf
// whose interface field holds a float, which it does not compose, until it
// is executed at once; then an int, which it composes: within leafRetry
// renders it composes again, and every page is the app's Execute.
func TestLeaf_ComposedAgainAfterTheDataThatMissedIsGone(t *testing.T) {
	src := `<body><div id="o">{{range .History}}{{.Any}};{{end}}</div></body>`
	orig := template.Must(template.New("page").Parse(src))
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	require.NotNil(t, partWithID(t, p, "o").static)
	render := func(v any) {
		t.Helper()
		d := &leafData{History: []leafChange{{Any: v}}}
		var page bytes.Buffer
		_, err := p.Render(Input{Data: d, Enc: encode(t, d), Page: &page})
		require.NoError(t, err)
		require.Equal(t, string(execute(t, orig, d)), page.String())
	}
	for range maxLeafMisses {
		render(1.5)
	}
	composed := composedLeaves.Load()
	render(3)
	require.Equal(t, composed, composedLeaves.Load(), "executed at once after maxLeafMisses")
	for i := 0; composedLeaves.Load() == composed; i++ {
		require.Less(t, i, leafRetry, "composed again within leafRetry renders")
		render(i)
	}
	composed = composedLeaves.Load()
	render(4)
	assert.Equal(t, int64(1), composedLeaves.Load()-composed, "composed on every render once it composes again")
}

// TestLeaf_RangeVariableInElseIsTheCollection renders a leaf whose range
// declares a variable the page declared too, and whose else prints a
// field of it: text/template keeps the range's variable in scope in the
// else, bound to the (empty) collection, so Execute fails there, and so
// must the plan, not print the page's variable.
func TestLeaf_RangeVariableInElseIsTheCollection(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 4, 5, 0, time.UTC)
	d := &leafData{Title: "t", History: []leafChange{{Action: "page's", At: at}}}
	for _, body := range []string{
		`{{range $c := .Empty}}x{{else}}{{$c.Action}}{{end}}`,
		`{{range $c := .Empty}}x{{else}}{{if $c.Value}}y{{end}}{{end}}`,
		`{{range $c := .Empty}}x{{else}}{{$c.At.Format "15:04"}}{{end}}`,
	} {
		t.Run(body, func(t *testing.T) {
			src := `<body>{{$c := index .History 0}}<div id="o">` + body + `</div></body>`
			orig := template.Must(template.New("page").Parse(src))
			p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
			require.NoError(t, err)
			require.True(t, p.Entry(""))
			_, wantErr := executeErr(orig, d)
			require.Error(t, wantErr, "Execute evaluates a field of the empty list")
			var page bytes.Buffer
			_, err = p.Render(Input{Data: d, Enc: encode(t, d), Page: &page})
			require.Error(t, err, "the plan wrote %q", page.String())
		})
	}
}
