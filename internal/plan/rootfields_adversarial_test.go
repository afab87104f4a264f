package plan

import (
	"html/template"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
)

// Data types whose root fields are reached in ways a kept key could get
// wrong: promoted through embedding, renamed by tags, a map root, a value
// bound to a variable outside the part that reads it, an interface.

type AdvBase struct {
	Name string
	Role string
}

type advEmbedded struct {
	AdvBase
	Title string
	Items []keptItem
}

type advPtrEmbedded struct {
	*AdvBase
	Title string
}

type advTagged struct {
	Title string `cbor:"t"`
	Sub   string `json:"s,omitempty"`
	Other string `cbor:"o,omitempty"`
	N     int    `cbor:"3,keyasint"`
	User  struct {
		Name string `cbor:"nm"`
	}
}

type AdvLabel string

type advShadowed struct {
	AdvBase
	AdvTag AdvBase `cbor:"tag"`
	AdvLabel
	Name string
	X    string `json:"Role"`
}

type advAny struct {
	Title string
	Any   any
}

type advTimes struct {
	Title string
	At    time.Time
	Items []advTimed
}

type advTimed struct {
	Name string
	At   time.Time
}

// TestKeptKeys_RootFieldsReachedAnyWayRenderAsDiff renders each page under
// a sequence of changes, each of a field read another way: every render
// equals Diff of the whole page, and no kept key differs from the one
// computed from the data.
func TestKeptKeys_RootFieldsReachedAnyWayRenderAsDiff(t *testing.T) {
	utc := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		src     string
		data    any
		changes []func(d any)
	}{{
		name: "promoted fields of an embedded struct",
		src: `<html><body><p id="name">{{.Name}}</p><p id="role">{{.AdvBase.Role}}</p><h1 id="title">{{.Title}}</h1>` +
			`<ul id="items">{{range .Items}}<li id="i-{{.ID}}">{{.Name}} {{$.Name}}</li>{{end}}</ul></body></html>`,
		data: &advEmbedded{AdvBase: AdvBase{Name: "ada", Role: "admin"}, Title: "t", Items: []keptItem{{1, "a"}, {2, "b"}}},
		changes: []func(d any){
			func(d any) { d.(*advEmbedded).Name = "grace" },
			func(d any) { d.(*advEmbedded).Role = "user" },
			func(d any) { d.(*advEmbedded).Title = "t2" },
			func(d any) { d.(*advEmbedded).Items[1].Name = "bb" },
			func(d any) {},
		},
	}, {
		name: "promoted fields of an embedded pointer, nil and set",
		src:  `<html><body><p id="title">{{.Title}}</p><p id="who">{{if .AdvBase}}{{.Name}} {{.Role}}{{end}}</p></body></html>`,
		data: &advPtrEmbedded{Title: "t"},
		changes: []func(d any){
			func(d any) { d.(*advPtrEmbedded).AdvBase = &AdvBase{Name: "ada"} },
			func(d any) { d.(*advPtrEmbedded).Title = "t2" },
			func(d any) { d.(*advPtrEmbedded).Role = "admin" },
			func(d any) { d.(*advPtrEmbedded).AdvBase = nil },
			func(d any) { d.(*advPtrEmbedded).Title = "t3" },
		},
	}, {
		name: "fields renamed by tags, omitted when empty",
		src: `<html><body><h1 id="title">{{.Title}}</h1><p id="sub">{{.Sub}}</p><p id="other">{{if .Other}}{{.Other}}{{end}}</p>` +
			`<p id="n">{{.N}}</p><p id="user">{{.User.Name}}</p></body></html>`,
		data: &advTagged{Title: "t"},
		changes: []func(d any){
			func(d any) { d.(*advTagged).Sub = "s" },
			func(d any) { d.(*advTagged).Other = "o" },
			func(d any) { x := d.(*advTagged); x.Sub, x.Other = "", "o2" },
			func(d any) { x := d.(*advTagged); x.Sub, x.Other = "s2", "" },
			func(d any) { d.(*advTagged).User.Name = "ada" },
			func(d any) { d.(*advTagged).N = 7 },
			func(d any) { d.(*advTagged).Title = "t2" },
		},
	}, {
		name: "a map root whose keys come and go",
		src: `<html><body><p id="a">{{.a}}</p><p id="b">{{.b}}</p><p id="c">{{with .c}}{{.}}{{end}}</p>` +
			`<p id="zz">{{.zz}}</p><ul id="all">{{range $k, $v := .}}<li id="k-{{$k}}">{{$v}}</li>{{end}}</ul></body></html>`,
		data: map[string]string{"a": "1", "b": "2"},
		changes: []func(d any){
			func(d any) { d.(map[string]string)["c"] = "3" },
			func(d any) { delete(d.(map[string]string), "b") },
			func(d any) { m := d.(map[string]string); delete(m, "c"); m["b"] = "2" },
			func(d any) { m := d.(map[string]string); delete(m, "a"); m["aa"] = "1" },
			func(d any) { d.(map[string]string)["zz"] = "z" },
			func(d any) { m := d.(map[string]string); delete(m, "zz"); m["zy"] = "z" },
			func(d any) { d.(map[string]string)["b"] = "22" },
		},
	}, {
		name: "variables bound outside the parts that read them",
		src: `<html><body>{{$u := .User}}{{$t := .Title}}<h1 id="title">{{$t}}</h1>` +
			`<ul id="items">{{range $i, $e := .Items}}<li id="i-{{$e.ID}}">{{$i}} {{$u.Name}} {{$e.Name}} {{$t}}</li>{{end}}</ul>` +
			`{{with .User}}<p id="dot">{{.Role}} {{$.Title}} {{$u.Name}}</p>{{end}}` +
			`<p id="note">{{.Note}}</p></body></html>`,
		data: newKeptPage(),
		changes: []func(d any){
			func(d any) { d.(*keptPage).User.Name = "grace" },
			func(d any) { d.(*keptPage).Title = "t2" },
			func(d any) { d.(*keptPage).Note = "n" },
			func(d any) { x := d.(*keptPage); x.Items[0], x.Items[1] = x.Items[1], x.Items[0] },
			func(d any) { x := d.(*keptPage); x.Items = x.Items[:len(x.Items)-1] },
			func(d any) { d.(*keptPage).User.Role = "r" },
		},
	}, {
		name: "shadowed, conflicting, tagged and non-struct embedded fields",
		src: `<html><body><p id="name">{{.Name}}</p><p id="role">{{.Role}}</p><p id="x">{{.X}}</p>` +
			`<p id="base">{{.AdvBase.Name}}</p><p id="tag">{{.AdvTag.Role}}</p><p id="label">{{.AdvLabel}}</p></body></html>`,
		data: &advShadowed{AdvBase: AdvBase{Name: "inner", Role: "r"}, AdvTag: AdvBase{Role: "t"}, AdvLabel: "l", Name: "outer", X: "x"},
		changes: []func(d any){
			func(d any) { d.(*advShadowed).AdvBase.Name = "inner2" },
			func(d any) { d.(*advShadowed).Role = "r2" },
			func(d any) { d.(*advShadowed).X = "x2" },
			func(d any) { d.(*advShadowed).AdvTag.Role = "t2" },
			func(d any) { d.(*advShadowed).AdvLabel = "l2" },
			func(d any) { d.(*advShadowed).Name = "outer2" },
		},
	}, {
		name: "an interface holding values that encode alike",
		src:  `<html><body><h1 id="title">{{.Title}}</h1><p id="any">{{.Any}}</p></body></html>`,
		data: &advAny{Title: "t", Any: struct{ X int }{1}},
		changes: []func(d any){
			func(d any) { d.(*advAny).Any = map[string]int{"X": 1} },
			func(d any) { d.(*advAny).Title = "t2" },
			func(d any) { d.(*advAny).Any = int64(1) },
			func(d any) { d.(*advAny).Any = uint8(1) },
		},
	}, {
		name: "times, in UTC and in zones",
		src: `<html><body><h1 id="title">{{.Title}}</h1><p id="at">{{.At.Format "15:04 MST"}}</p>` +
			`<ul id="items">{{range .Items}}<li id="i-{{.Name}}">{{.At.Format "15:04 MST"}}</li>{{end}}</ul></body></html>`,
		data: &advTimes{Title: "t", At: utc, Items: []advTimed{{"a", utc}, {"b", utc}}},
		changes: []func(d any){
			func(d any) { d.(*advTimes).At = utc.In(time.FixedZone("XST", 0)) },
			func(d any) { d.(*advTimes).Title = "t2" },
			func(d any) { d.(*advTimes).Items[1].At = utc.In(time.FixedZone("YST", 0)) },
			func(d any) { d.(*advTimes).Title = "t3" },
			func(d any) { x := d.(*advTimes); x.At, x.Items[1].At = utc, utc },
			func(d any) { d.(*advTimes).Title = "t4" },
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			smallLayouts(t)
			checkKept(t, true)
			p, err := Build(template.Must(template.New("p").Parse(tc.src)), Options{})
			require.NoError(t, err)
			orig := template.Must(template.New("p").Parse(tc.src))
			first, err := p.Render(Input{Data: tc.data, Enc: encode(t, tc.data), EncKept: true})
			require.NoError(t, err)
			_, ref, err := fragments.Diff(nil, execute(t, orig, tc.data))
			require.NoError(t, err)
			st, memo := first.State, first.Memo
			for _, change := range tc.changes {
				change(tc.data)
				st, memo, ref = renderMatchesDiff(t, p, orig, tc.data, st, memo, ref)
			}
		})
	}
}
