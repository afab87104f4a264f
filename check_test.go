package statetemplate_test

import (
	"html/template"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/fixture"
)

type checkItem struct {
	Name string
	When time.Time
}

func (i *checkItem) Upper() string { return i.Name }

type checkData struct {
	Title string
	Items []checkItem
	ByKey map[string]checkItem
	Any   any
	Ptr   *checkItem
}

func TestCheckData(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		wantErr   string
	}{
		{"fields, ranges, maps, methods and with", `{{.Title}}{{range $i, $it := .Items}}{{$i}}{{$it.Name}}{{.When.Format "2006"}}{{.Upper}}{{end}}` +
			`{{range $k, $v := .ByKey}}{{$k}}{{$v.Name}}{{end}}{{with .Ptr}}{{.Name}}{{end}}{{.Any.Whatever}}{{len .Items}}`, ""},
		{"a field the type lacks", `<p>{{.Titel}}</p>`, "can't evaluate field Titel"},
		{"in a range element", `{{range .Items}}{{.Nmae}}{{end}}`, "field Nmae in type statetemplate_test.checkItem"},
		{"through a variable", `{{$x := .Ptr}}{{$x.Nope}}`, "field Nope"},
		{"in a called template", `{{define "row"}}{{.Missing}}{{end}}{{range .Items}}{{template "row" .}}{{end}}`, "field Missing"},
		{"a field of a function's result is not checked", `{{(index .Items 0).Whatever}}`, ""},
		{"a template the set lacks", `{{template "nope" .}}`, `no such template "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRendererOf(t, template.Must(template.New("t").Parse(tc.src)))
			err := r.CheckData("", &checkData{})
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, statetemplate.ErrTemplateData)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Contains(t, err.Error(), "t:1:", "the error says where")
		})
	}
}

func TestCheckData_TheDashboardFitsItsData(t *testing.T) {
	r := newRendererOf(t, fixture.Template())
	require.NoError(t, r.CheckData("", &fixture.DashboardData{}))
	require.ErrorIs(t, r.CheckData("nope", &fixture.DashboardData{}), statetemplate.ErrTemplateNotFound)
}
