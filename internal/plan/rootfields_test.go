package plan

import (
	"html/template"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
)

// keptPage is data for the kept-key tests: fields read by parts, rows and
// shells, one omitted when empty, one a pointer.
type keptPage struct {
	Title string
	User  struct{ Name, Role string }
	Items []keptItem
	Unit  string
	Note  string `json:",omitempty"`
	Stats map[string]int
	Boss  *struct{ Name string }
	N     int
}

type keptItem struct {
	ID   int
	Name string
}

const keptSrc = `<html><body><div id="page">` +
	`<h1 id="title">{{.Title}}</h1>` +
	`<p id="user">{{.User.Name}} ({{.User.Role}})</p>` +
	`{{with .User}}<span id="dot-user">{{.Name}}</span>{{end}}` +
	`<ul id="items">{{range .Items}}<li id="i-{{.ID}}">{{.Name}} {{$.Unit}}</li>{{end}}</ul>` +
	`<p id="note">{{if .Note}}{{.Note}}{{else}}none{{end}}</p>` +
	`<dl id="stats">{{range $k, $v := .Stats}}<dd id="s-{{$k}}">{{$v}}</dd>{{end}}</dl>` +
	`<p id="boss">{{if .Boss}}{{.Boss.Name}}{{end}}</p>` +
	`<p id="len">{{len .Items}} {{printf "%d" .N}}</p>` +
	`</div></body></html>`

func newKeptPage() *keptPage {
	d := &keptPage{Title: "t", Unit: "kg", Stats: map[string]int{"a": 1, "b": 2}}
	d.User.Name, d.User.Role = "ada", "admin"
	for i := range 10 {
		d.Items = append(d.Items, keptItem{ID: i, Name: "item " + strconv.Itoa(i)})
	}
	return d
}

// TestKeptKeys_EachChangeRendersAsDiffAndKeepsOnlyWhatItDidNotRead
// changes one thing at a time, each read a different way (a root field, a
// field of one, a row's element, a read the rows share, a field omitted
// when empty, a map, a nil pointer, a length): every render equals Diff of
// the whole page, every kept key equals the key computed from the data,
// and a change keeps the keys of the parts that do not read it.
func TestKeptKeys_EachChangeRendersAsDiffAndKeepsOnlyWhatItDidNotRead(t *testing.T) {
	kept, wrong, restore := CheckKeptKeys()
	defer restore()
	p, err := Build(template.Must(template.New("p").Parse(keptSrc)), Options{})
	require.NoError(t, err)
	require.True(t, p.Entry(""))
	orig := template.Must(template.New("p").Parse(keptSrc))
	d := newKeptPage()
	first, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true})
	require.NoError(t, err)
	_, ref, err := fragments.Diff(nil, execute(t, orig, d))
	require.NoError(t, err)
	st, memo := first.State, first.Memo
	for _, tc := range []struct {
		name   string
		change func()
	}{
		{"a root field", func() { d.Title = "t2" }},
		{"a field of a root field", func() { d.User.Role = "user" }},
		{"a row's element", func() { d.Items[4].Name = "four" }},
		{"the read the rows share", func() { d.Unit = "lb" }},
		{"a field omitted when empty, set", func() { d.Note = "hello" }},
		{"a field omitted when empty, emptied", func() { d.Note = "" }},
		{"a map's value", func() { d.Stats["b"] = 3 }},
		{"a map's key", func() { d.Stats["c"] = 4 }},
		{"a nil pointer set", func() { d.Boss = &struct{ Name string }{"grace"} }},
		{"a pointer's value", func() { d.Boss.Name = "hopper" }},
		{"a list's length", func() { d.Items = append(d.Items, keptItem{ID: 10, Name: "ten"}) }},
		{"a field no part reads alone", func() { d.N++ }},
		{"nothing", func() {}},
	} {
		k0 := kept()
		tc.change()
		st, memo, ref = renderMatchesDiff(t, p, orig, d, st, memo, ref)
		require.Zero(t, wrong(), "%s: a kept key differs from the computed one", tc.name)
		require.Greater(t, kept(), k0, "%s: the parts that do not read it keep their keys", tc.name)
	}
}

// TestKeptKeys_NoneWithoutThePreviousLayout: a render whose memo has no
// layout of the previous encoding (the session did not keep it) computes
// every key, and still renders as Diff.
func TestKeptKeys_NoneWithoutThePreviousLayout(t *testing.T) {
	kept, _, restore := CheckKeptKeys()
	defer restore()
	p, err := Build(template.Must(template.New("p").Parse(keptSrc)), Options{})
	require.NoError(t, err)
	orig := template.Must(template.New("p").Parse(keptSrc))
	d := newKeptPage()
	first, err := p.Render(Input{Data: d, Enc: encode(t, d)})
	require.NoError(t, err)
	_, ref, err := fragments.Diff(nil, execute(t, orig, d))
	require.NoError(t, err)
	d.Title = "t2"
	out, err := p.Render(Input{Data: d, Enc: encode(t, d), Prev: first.State, Memo: first.Memo})
	require.NoError(t, err)
	want, wantState, err := fragments.Diff(ref, execute(t, orig, d))
	require.NoError(t, err)
	require.Equal(t, want, out.Updates)
	stateEqual(t, wantState, out.State)
	require.Zero(t, kept(), "no layout, no kept keys")
}
