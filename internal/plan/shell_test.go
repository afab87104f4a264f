package plan

import (
	"bytes"
	"fmt"
	"html/template"
	"reflect"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

type nativeInner struct{ X int }

// Method is found on dot by text/template: a shell does not call it.
func (nativeInner) Method() int { return 1 }

type nativeData struct {
	A  int
	B  int8
	C  uint
	D  float64
	E  string
	F  bool
	H  any
	Sl []string
	Mp map[string]int
	St nativeInner
	Pt *nativeInner
	Ar [2]int
}

func drawNativeData(t *rapid.T) *nativeData {
	d := &nativeData{
		A: rapid.IntRange(-2, 2).Draw(t, "A"), B: int8(rapid.IntRange(-2, 2).Draw(t, "B")),
		C: uint(rapid.IntRange(0, 2).Draw(t, "C")), D: rapid.SampledFrom([]float64{0, 1.5, -2, 2}).Draw(t, "D"),
		E: rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "E"), F: rapid.Bool().Draw(t, "F"),
		H:  rapid.SampledFrom([]any{nil, 0, 1, uint(1), "a", "", true, 2.0, []int{}, nativeInner{}}).Draw(t, "H"),
		Sl: rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b"}), 0, 2).Draw(t, "Sl"),
		St: nativeInner{X: rapid.IntRange(0, 1).Draw(t, "X")},
	}
	if rapid.Bool().Draw(t, "map") {
		d.Mp = map[string]int{"k": rapid.IntRange(0, 1).Draw(t, "k")}
	}
	if rapid.Bool().Draw(t, "ptr") {
		d.Pt = &nativeInner{X: 1}
	}
	return d
}

var (
	nativeLeaves = []string{".A", ".B", ".C", ".D", ".E", ".F", ".H", ".Sl", ".Mp", ".Mp.k", ".Mp.z", ".St", ".St.X",
		".Pt", ".Pt.X", ".St.Method", ".Ar", "$.A", "1", "-1", "0", "2.5", "1e1", "0x1", `"a"`, `""`, "true", "false", "'a'", "(len .Sl)"}
	nativeFuncs = []string{"not", "and", "or", "eq", "ne", "lt", "le", "gt", "ge", "len"}
)

func drawExpr(t *rapid.T, depth int) string {
	if depth == 0 || rapid.IntRange(0, 2).Draw(t, "leaf") == 0 {
		return rapid.SampledFrom(nativeLeaves).Draw(t, "operand")
	}
	fn := rapid.SampledFrom(nativeFuncs).Draw(t, "fn")
	args := make([]string, rapid.IntRange(1, 3).Draw(t, "args"))
	for i := range args {
		args[i] = drawExpr(t, depth-1)
	}
	return "(" + fn + " " + strings.Join(args, " ") + ")"
}

// TestProperty_NativesComputeAsTextTemplate draws random data and random
// conditions of paths, constants and builtins: where a shell computes a
// condition itself, its truth is text/template's, and where text/template
// fails, a shell does not compute it.
func TestProperty_NativesComputeAsTextTemplate(t *testing.T) {
	var computed, total int
	rapid.Check(t, func(t *rapid.T) {
		d := drawNativeData(t)
		for range 10 {
			ok, native := nativeCase(t, d)
			total++
			if native {
				computed++
			}
			if !ok {
				return
			}
		}
	})
	t.Logf("%d of %d conditions computed natively", computed, total)
	assert.Greater(t, computed*4, total, "many conditions are computed")
}

// nativeCase checks one random condition on d; it reports whether the
// case completed and whether the condition was computed natively.
func nativeCase(t *rapid.T, d *nativeData) (ok, native bool) {
	expr := drawExpr(t, 3)
	src := fmt.Sprintf("{{if %s}}1{{else}}0{{end}}", expr)
	tmpl, err := template.New("c").Parse(src)
	require.NoError(t, err, src)
	var out bytes.Buffer
	execErr := tmpl.Execute(&out, d)

	parsed := template.Must(template.New("c").Parse(src)) // tmpl's tree is escaped by now
	cond := parsed.Tree.Root.Nodes[0].(*parse.IfNode).Pipe
	rs, sh := &readSet{}, &readSet{}
	a := &analyzer{sc: &scope{dot: input(0), vars: []named{{"$", input(1)}}}, rs: rs, sh: sh,
		volatile: func(string, int) bool { return false }, builtins: func(name string) bool { return builtins[name] }}
	x := nativeOf(a.pipe(cond))
	if x == nil {
		return true, false
	}
	v, ok := evalNative(x, []reflect.Value{reflect.ValueOf(d), reflect.ValueOf(d)})
	var truthOK bool
	var got bool
	if ok {
		got, truthOK = isTrue(indirectInterface(v))
	}
	if execErr != nil {
		require.False(t, ok && truthOK, "%s fails in text/template (%v) but computes to %v", expr, execErr, got)
		return true, false
	}
	if !ok || !truthOK {
		return true, false // not computed: the shell is rendered instead
	}
	want := out.String() == "1"
	require.Equal(t, want, got, "%s on %+v", expr, d)
	return true, true
}

func TestBuiltinsOf_ARedefinedBuiltinIsNotComputed(t *testing.T) {
	plain := template.Must(template.New("p").Parse(`{{if eq .A 1}}x{{end}}`))
	redefined := template.Must(template.New("p").Funcs(template.FuncMap{"eq": func(a, b any) bool { return true }}).
		Parse(`{{if eq .A 1}}x{{end}}`))
	assert.True(t, builtinsOf(plain)("eq"))
	assert.True(t, builtinsOf(plain)("len"))
	assert.False(t, builtinsOf(redefined)("eq"), "the app's eq")
	assert.True(t, builtinsOf(redefined)("len"))
	assert.False(t, builtinsOf(plain)("upper"), "not a builtin")
}
