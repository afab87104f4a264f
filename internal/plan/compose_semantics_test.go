package plan

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// semData holds a value of every kind a shell's condition may read.
type semData struct {
	I, Zero     int
	U           uint
	F, Half     float64
	S, Empty    string
	B           bool
	P, NilP     *semSub
	Any, NilAny any
	Err         error
	Sl, NilSl   []int
	EmptySl     []int
	M, NilM     map[string]int
	Arr         [2]int
	PArr        *[2]int
	St          semSub
	Name        string
	X           string // the text of the part inside the shell
	semEmb
}

type semSub struct {
	A    string
	N    int
	Deep *semSub
}

// Meth is a method of the pointer, true for a nil one too.
func (s *semSub) Meth() bool { return s == nil || s.A != "" }

// semEmb is embedded in semData, whose pointer method Label shadows its
// field Label.
type semEmb struct{ Label string }

// Label is a method of the pointer with the name of a promoted field.
func (d *semData) Label() bool { return false }

func newSemData() *semData {
	return &semData{
		I: 3, U: 3, F: 3, Half: 1.5, S: "s", B: true,
		P: &semSub{A: "a", N: 2}, Any: 0, Err: nil,
		Sl: []int{1}, EmptySl: []int{}, M: map[string]int{"k": 1, "z": 0},
		PArr: &[2]int{1, 2}, Name: "n", X: "x", semEmb: semEmb{Label: "l"},
	}
}

// semCondPage is a page whose part "s" holds a composed shell around part
// "x", under condition cond; opts configures the template set.
func semCondPage(cond string) string {
	return `<body><div id="s">{{if ` + cond + `}}yes{{else}}no{{end}} <i id="x">{{.X}}</i></div></body>`
}

// TestCompose_ConditionsRenderAsTextTemplateExecutes renders pages whose
// composed shells hold conditions of every kind and builtin, and checks
// the page is byte for byte the app's Execute, and that a condition
// whose Execute fails fails the render too.
func TestCompose_ConditionsRenderAsTextTemplateExecutes(t *testing.T) {
	conds := []string{
		// truthiness of every kind
		".I", ".Zero", ".U", ".F", ".S", ".Empty", ".B", ".P", ".NilP", ".Any", ".NilAny",
		".Err", ".Sl", ".NilSl", ".EmptySl", ".M", ".NilM", ".Arr", ".PArr", ".St",
		".P.A", ".P.Deep", ".St.A", ".M.k", ".M.z",
		// and/or return the deciding value, short-circuit
		"and .P .P.A", "and .NilP .NilP.A", "or .P .NilP.A", "or .NilP .P.A", "and 1 0", "or 0 \"\"",
		"and .I .S", "or .Empty .Zero", "not .Sl", "not .NilAny", "and .NilAny 1", "or .NilAny 1",
		// eq with several arguments, mixed kinds, errors
		"eq .I 1 2 3", "eq .I 1 2", "eq .I 3 \"x\"", "eq .I 1 \"x\"", "eq .I .U", "eq .U 3", "eq .I .F",
		"eq .S \"s\"", "eq .B true", "eq .P .P", "eq .NilAny 1", "eq .St .St", "eq .Sl .Sl",
		"ne .I 3", "ne .I .S", "ne .I 1 2",
		// ordered comparisons, int/uint/float, errors
		"lt 1 1.5", "lt .I 1.5", "lt .Half 2.0", "lt .I .U", "lt -1 .U", "le .U .I", "gt .F 1.0",
		"ge .I 3", "lt .S \"t\"", "lt .B true", "le .I 3", "gt .I 3", "lt .I 0x1p3",
		"eq .F 0x1p3", "gt .I 0x1p1", "lt .I 1e1", "eq .I 'a'", "lt .I 0x10",
		// len of every kind
		"len .S", "len .Empty", "len .Sl", "len .NilSl", "len .M", "len .NilM", "len .Arr", "len .PArr",
		"len .NilAny", "len .I", "len .P", "gt (len .Sl) 0", "eq (len .Empty) 0",
		// methods, unexported and missing fields
		".P.Meth", ".NilP.Meth", ".Label", ".semEmb.Label", ".Missing", ".M.missing", "eq .M.missing 0", "len .M.missing",
		// constants
		"true", "false", "0", "1", "\"\"", "\"a\"", "1.5", "0.0", "1i", "0x0", "'a'",
	}
	composed := composedConds.Load()
	defer func() {
		assert.Greater(t, composedConds.Load()-composed, int64(2*len(conds)), "most conditions compose")
	}()
	for _, cond := range conds {
		t.Run(cond, func(t *testing.T) {
			for _, option := range []string{"missingkey=default", "missingkey=zero", "missingkey=error"} {
				src := semCondPage(cond)
				renderEqualsExecute(t, func() *template.Template {
					return template.New("page").Option(option)
				}, src, newSemData())
			}
		})
	}
}

// renderEqualsExecute builds a plan of src and renders data as a whole
// page: the page equals Execute's, or both fail.
func renderEqualsExecute(t *testing.T, newTmpl func() *template.Template, src string, d any) {
	t.Helper()
	orig, err := newTmpl().Parse(src)
	require.NoError(t, err)
	var want bytes.Buffer
	execErr := orig.Execute(&want, d)
	tmpl, err := newTmpl().Parse(src)
	require.NoError(t, err)
	p, err := Build(tmpl, Options{})
	require.NoError(t, err)
	require.True(t, p.Entry(""))
	var page bytes.Buffer
	_, err = p.Render(Input{Data: d, Enc: encode(t, d), Page: &page})
	if execErr != nil {
		require.Error(t, err, "Execute fails (%v); the render wrote %q", execErr, page.String())
		return
	}
	require.NoError(t, err)
	require.Equal(t, want.String(), page.String())
}

// TestCompose_ShellsOfEveryShapeRenderAsExecute renders shells whose
// conditions sit in attributes, nest, trim, call redefined builtins, or
// that hold with or range (which do not compose), over several datas.
func TestCompose_ShellsOfEveryShapeRenderAsExecute(t *testing.T) {
	redefined := template.FuncMap{"eq": func(a, b any) bool { return true }, "len": func(any) int { return 0 },
		"not": func(any) bool { return true }, "and": func(a, b any) any { return "and" }}
	cases := []struct {
		name  string
		src   string
		funcs template.FuncMap
	}{
		{"condition in an attribute value", `<body><div id="s"><a title="{{if .B}}a&quot;b{{else}}c<d{{end}}" href="{{if .S}}/x?y=1&z=2{{end}}">l</a> <i id="x">{{.X}}</i></div></body>`, nil},
		{"condition choosing an attribute", `<body><div id="s"><button {{if ge .I 3}}disabled{{else}}class="on"{{end}}>b</button> <i id="x">{{.X}}</i></div></body>`, nil},
		{"condition in a script", `<body><div id="s"><script>var a = {{if .B}}1{{else}}2{{end}};</script> <i id="x">{{.X}}</i></div></body>`, nil},
		{"condition in a style", `<body><div id="s"><p style="color: {{if .B}}red{{else}}blue{{end}}">p</p> <i id="x">{{.X}}</i></div></body>`, nil},
		{"else if chains and nesting", `<body><div id="s">{{if .NilP}}a{{else if .Zero}}b{{else if and .B (eq .I 3)}}{{if .Empty}}c{{else}}d{{if .St.A}}e{{end}}{{end}}{{else}}f{{end}} <i id="x">{{.X}}</i></div></body>`, nil},
		{"trim markers", `<body><div id="s">   {{- if .B -}}   yes   {{- else -}}   no   {{- end -}}   <i id="x">{{.X}}</i></div></body>`, nil},
		{"part inside a condition", `<body><div id="s">{{if .B}}<i id="x">{{.X}}</i>{{else}}<b id="y">{{.S}}</b>{{end}}</div></body>`, nil},
		{"with shell", `<body><div id="s">{{with .P}}{{.A}}{{end}} <i id="x">{{.X}}</i></div></body>`, nil},
		{"else with", `<body><div id="s">{{with .NilP}}a{{else with .P}}{{.A}}{{end}} <i id="x">{{.X}}</i></div></body>`, nil},
		{"range with break", `<body><div id="s">{{range .Sl}}{{if .}}{{break}}{{end}}r{{end}} <i id="x">{{.X}}</i></div></body>`, nil},
		{"redefined eq", `<body><div id="s">{{if eq .I 4}}yes{{else}}no{{end}} <i id="x">{{.X}}</i></div></body>`, redefined},
		{"redefined len", `<body><div id="s">{{if len .Sl}}yes{{else}}no{{end}} <i id="x">{{.X}}</i></div></body>`, redefined},
		{"redefined not", `<body><div id="s">{{if not .B}}yes{{else}}no{{end}} <i id="x">{{.X}}</i></div></body>`, redefined},
		{"redefined and", `<body><div id="s">{{if eq (and .B .I) "and"}}yes{{else}}no{{end}} <i id="x">{{.X}}</i></div></body>`, redefined},
		{"field of an interface", `<body><div id="s">{{if .Any}}yes{{else}}no{{end}}{{if .P.Deep}}d{{end}} <i id="x">{{.X}}</i></div></body>`, nil},
		{"root variable", `<body><div id="s">{{if $.B}}yes{{end}}{{if $.NilP}}no{{end}} <i id="x">{{.X}}</i></div></body>`, nil},
	}
	datas := []func(*semData){
		func(*semData) {},
		func(d *semData) { d.B, d.S, d.I, d.Sl, d.St.A = false, "", 0, []int{0}, "a" },
		func(d *semData) { d.P.Deep, d.Any, d.Zero = &semSub{}, "x", 1 },
		func(d *semData) { d.P = nil },
	}
	composed := composedConds.Load()
	defer func() {
		assert.Greater(t, composedConds.Load()-composed, int64(len(cases)), "most shells compose")
	}()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, step := range datas {
				d := newSemData()
				step(d)
				renderEqualsExecute(t, func() *template.Template {
					tm := template.New("page")
					if tc.funcs != nil {
						tm = tm.Funcs(tc.funcs)
					}
					return tm
				}, tc.src, d)
			}
		})
	}
}
