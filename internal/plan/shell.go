package plan

import (
	"encoding/binary"
	"reflect"
	"strings"
	"text/template/parse"
)

// A unit's shell is the unit without the units inside it: the page or a
// part around its parts and ranges, a row around its parts. Its shell key
// hashes what the shell reads: equal shell keys mean the shell renders the
// same markup and calls the same units, in the same order, with inputs at
// the same paths of the data. A render can then skip the shell: take the
// units inside it from the data directly, render only those that changed
// (see skip.go).
//
// A shell needs less than its unit reads: a condition only its truth, a
// range only its length (its rows are keyed on their own). Those it
// computes itself (natives), as text/template would: fields of structs and
// keys of maps along a path, constants, and the builtins len, not, and,
// or, eq, ne, lt, le, gt and ge. Whatever it cannot compute (a method, a
// nil pointer, a missing key, an error text/template would report) makes
// the shell unkeyed, and the unit is rendered.

// native is a value a shell computes from its inputs: a path under an
// input (fn "" and in >= 0), a constant (fn "" and in < 0), or a builtin
// of natives.
type native struct {
	fn    string
	in    int
	path  []string
	konst reflect.Value
	args  []*native
}

// nread is a native a shell reads: its truth (a condition) or its value.
type nread struct {
	x     *native
	truth bool
}

// nativeOf returns the native of s, or nil when it has none.
func nativeOf(s sym) *native {
	switch {
	case s.all:
		return nil
	case s.in >= 0:
		return &native{in: s.in, path: s.path}
	}
	return s.nx
}

// natives are the builtins a shell computes itself.
var natives = map[string]bool{"len": true, "not": true, "and": true, "or": true,
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true}

// builtin returns the native of a call of function name with args, when
// it is a builtin of natives (and the template set does not redefine it,
// see Build), or nil.
func builtin(name string, args []sym) *native {
	if !natives[name] || len(args) == 0 {
		return nil
	}
	nx := &native{fn: name, in: -1}
	for _, a := range args {
		x := nativeOf(a)
		if x == nil {
			return nil
		}
		nx.args = append(nx.args, x)
	}
	return nx
}

// constant returns the native of a constant node as text/template passes
// it to a function, or nil.
func constant(n parse.Node) *native {
	switch n := n.(type) {
	case *parse.BoolNode:
		return &native{in: -1, konst: reflect.ValueOf(n.True)}
	case *parse.StringNode:
		return &native{in: -1, konst: reflect.ValueOf(n.Text)}
	case *parse.NumberNode:
		// text/template's idealConstant, for the cases that cannot fail.
		switch {
		case n.IsComplex:
			return &native{in: -1, konst: reflect.ValueOf(n.Complex128)}
		case n.IsFloat && strings.ContainsAny(n.Text, ".eEpP") && !isHexInt(n.Text) && !strings.HasPrefix(n.Text, "'"):
			return &native{in: -1, konst: reflect.ValueOf(n.Float64)}
		case n.IsInt && int64(int(n.Int64)) == n.Int64:
			return &native{in: -1, konst: reflect.ValueOf(int(n.Int64))}
		}
	}
	return nil
}

// isHexInt is text/template's: a hex literal without a binary exponent
// (0x1e is an int, 0x1p3 a float).
func isHexInt(s string) bool {
	return len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !strings.ContainsAny(s, "pP")
}

// paths reports whether every sym of args is a path under an input: a
// shell can find such inputs of a unit by itself.
func paths(args []sym) bool {
	for _, a := range args {
		if a.all || a.in < 0 {
			return false
		}
	}
	return true
}

// addShell adds to a shell's reads the use of s: a native of it when it
// has one (its truth for a condition), else its reads.
func (r *readSet) addShell(s sym, truth bool) {
	x := nativeOf(s)
	switch {
	case x != nil && x.fn == "" && x.in < 0:
		// A constant reads nothing.
	case x != nil && (truth || s.in < 0):
		r.natives = append(r.natives, nread{x: x, truth: truth})
	default:
		r.add(s)
	}
}

// addLength adds to a shell's reads the length of collection coll.
func (r *readSet) addLength(coll sym) {
	if x := nativeOf(coll); x != nil {
		r.natives = append(r.natives, nread{x: &native{fn: "len", in: -1, args: []*native{x}}})
		return
	}
	r.add(coll)
}

// shellKey returns the shell key of a unit (or page) whose shell reads sh,
// with inputs vals at locs, and false when it has none.
func (r *run) shellKey(sh *readSet, vals []reflect.Value, locs []loc) (uint64, bool) {
	if sh == nil || sh.volatile || sh.opaque {
		return 0, false
	}
	if !r.digestReads(sh, locs, true) {
		return 0, false
	}
	d := &r.digest
	var hdr [4]byte
	for _, n := range sh.natives {
		v, ok := evalNative(n.x, vals)
		if !ok {
			return 0, false
		}
		if n.truth {
			t, ok := isTrue(indirectInterface(v))
			if !ok {
				return 0, false
			}
			hdr[0] = 0
			if t {
				hdr[0] = 1
			}
			d.Write(hdr[:1])
			continue
		}
		b, ok := r.detached(v)
		if !ok {
			return 0, false
		}
		d.Write(binary.LittleEndian.AppendUint32(hdr[:0], uint32(len(b))))
		d.Write(b)
	}
	return d.Sum64(), true
}

// evalNative computes x on inputs vals as text/template would, and reports
// false where text/template would call a method, report an error, or
// depend on an option of the template (a missing map key).
func evalNative(x *native, vals []reflect.Value) (reflect.Value, bool) {
	switch {
	case x.fn == "" && x.in < 0:
		return x.konst, true
	case x.fn == "":
		if x.in >= len(vals) {
			return reflect.Value{}, false
		}
		return evalPath(vals[x.in], x.path)
	}
	args := make([]reflect.Value, len(x.args))
	for i, a := range x.args {
		v, ok := evalNative(a, vals)
		if !ok || !v.IsValid() {
			return reflect.Value{}, false // text/template: invalid value
		}
		args[i] = v
	}
	switch x.fn {
	case "len":
		item, isNil := indirect(args[0])
		if isNil || len(args) != 1 {
			return reflect.Value{}, false
		}
		switch item.Kind() {
		case reflect.Array, reflect.Chan, reflect.Map, reflect.Slice, reflect.String:
			return reflect.ValueOf(item.Len()), true
		}
		return reflect.Value{}, false
	case "not":
		if len(args) != 1 {
			return reflect.Value{}, false
		}
		return reflect.ValueOf(!truth(args[0])), true
	case "and", "or":
		// The value that decides, as text/template's short circuit.
		for _, v := range args {
			if truth(v) == (x.fn == "or") {
				return v, true
			}
		}
		return args[len(args)-1], true
	case "eq":
		t, ok := eq(args[0], args[1:]...)
		return reflect.ValueOf(t), ok
	case "ne":
		if len(args) != 2 {
			return reflect.Value{}, false
		}
		t, ok := eq(args[0], args[1])
		return reflect.ValueOf(!t), ok
	case "lt", "le", "gt", "ge":
		if len(args) != 2 {
			return reflect.Value{}, false
		}
		less, ok := lt(args[0], args[1])
		if !ok {
			return reflect.Value{}, false
		}
		equal := false
		if x.fn == "le" || x.fn == "gt" {
			if equal, ok = eq(args[0], args[1]); !ok {
				return reflect.Value{}, false
			}
		}
		switch x.fn {
		case "lt":
			return reflect.ValueOf(less), true
		case "le":
			return reflect.ValueOf(less || equal), true
		case "gt":
			return reflect.ValueOf(!less && !equal), true
		}
		return reflect.ValueOf(!less), true
	}
	return reflect.Value{}, false
}

// evalPath follows path from v as text/template's field evaluation does,
// and takes an interface{} result apart as a pipeline does.
func evalPath(v reflect.Value, path []string) (reflect.Value, bool) {
	for _, name := range path {
		var ok bool
		if v, ok = field(v, name); !ok {
			return reflect.Value{}, false
		}
	}
	if len(path) > 0 && v.Kind() == reflect.Interface && v.Type().NumMethod() == 0 {
		v = reflect.ValueOf(v.Interface())
	}
	return v, true
}

// field is text/template's evalField for a field or map key without
// arguments; it reports false for a method and for whatever would fail or
// depend on the template's missingkey option.
func field(receiver reflect.Value, name string) (reflect.Value, bool) {
	if !receiver.IsValid() {
		return reflect.Value{}, false
	}
	receiver, isNil := indirect(receiver)
	if isNil {
		return reflect.Value{}, false
	}
	ptr := receiver
	if ptr.Kind() != reflect.Interface && ptr.Kind() != reflect.Pointer && ptr.CanAddr() {
		ptr = ptr.Addr()
	}
	if ptr.MethodByName(name).IsValid() {
		return reflect.Value{}, false
	}
	switch receiver.Kind() {
	case reflect.Struct:
		tf, ok := receiver.Type().FieldByName(name)
		if !ok || !tf.IsExported() {
			return reflect.Value{}, false
		}
		f, err := receiver.FieldByIndexErr(tf.Index)
		return f, err == nil
	case reflect.Map:
		key := reflect.ValueOf(name)
		if !key.Type().AssignableTo(receiver.Type().Key()) {
			return reflect.Value{}, false
		}
		v := receiver.MapIndex(key)
		return v, v.IsValid()
	}
	return reflect.Value{}, false
}

// The rest is text/template's, as of Go 1.26: indirect, indirectInterface,
// isTrue, truth, and the comparisons, reporting false for an error.

func indirect(v reflect.Value) (reflect.Value, bool) {
	for ; v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; v = v.Elem() {
		if v.IsNil() {
			return v, true
		}
	}
	return v, false
}

func indirectInterface(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Interface {
		return v
	}
	if v.IsNil() {
		return reflect.Value{}
	}
	return v.Elem()
}

func isTrue(val reflect.Value) (truth, ok bool) {
	if !val.IsValid() {
		return false, true
	}
	switch val.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		truth = val.Len() > 0
	case reflect.Bool:
		truth = val.Bool()
	case reflect.Complex64, reflect.Complex128:
		truth = val.Complex() != 0
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		truth = !val.IsNil()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		truth = val.Int() != 0
	case reflect.Float32, reflect.Float64:
		truth = val.Float() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		truth = val.Uint() != 0
	case reflect.Struct:
		truth = true
	default:
		return
	}
	return truth, true
}

func truth(v reflect.Value) bool {
	t, _ := isTrue(indirectInterface(v))
	return t
}

type basic int

const (
	invalidKind basic = iota
	boolKind
	complexKind
	intKind
	floatKind
	stringKind
	uintKind
)

func basicKind(v reflect.Value) basic {
	switch v.Kind() {
	case reflect.Bool:
		return boolKind
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intKind
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintKind
	case reflect.Float32, reflect.Float64:
		return floatKind
	case reflect.Complex64, reflect.Complex128:
		return complexKind
	case reflect.String:
		return stringKind
	}
	return invalidKind
}

// eq is text/template's eq for basic kinds; other kinds report false.
func eq(arg1 reflect.Value, arg2 ...reflect.Value) (bool, bool) {
	arg1 = indirectInterface(arg1)
	if len(arg2) == 0 {
		return false, false
	}
	k1 := basicKind(arg1)
	if k1 == invalidKind {
		return false, false
	}
	for _, arg := range arg2 {
		arg = indirectInterface(arg)
		k2 := basicKind(arg)
		t := false
		switch {
		case k1 == intKind && k2 == uintKind:
			t = arg1.Int() >= 0 && uint64(arg1.Int()) == arg.Uint()
		case k1 == uintKind && k2 == intKind:
			t = arg.Int() >= 0 && arg1.Uint() == uint64(arg.Int())
		case k1 != k2:
			return false, false
		case k1 == boolKind:
			t = arg1.Bool() == arg.Bool()
		case k1 == complexKind:
			t = arg1.Complex() == arg.Complex()
		case k1 == floatKind:
			t = arg1.Float() == arg.Float()
		case k1 == intKind:
			t = arg1.Int() == arg.Int()
		case k1 == stringKind:
			t = arg1.String() == arg.String()
		case k1 == uintKind:
			t = arg1.Uint() == arg.Uint()
		}
		if t {
			return true, true
		}
	}
	return false, true
}

// lt is text/template's lt, reporting false for an error.
func lt(arg1, arg2 reflect.Value) (bool, bool) {
	arg1, arg2 = indirectInterface(arg1), indirectInterface(arg2)
	k1, k2 := basicKind(arg1), basicKind(arg2)
	switch {
	case k1 == invalidKind || k2 == invalidKind:
		return false, false
	case k1 == intKind && k2 == uintKind:
		return arg1.Int() < 0 || uint64(arg1.Int()) < arg2.Uint(), true
	case k1 == uintKind && k2 == intKind:
		return arg2.Int() >= 0 && arg1.Uint() < uint64(arg2.Int()), true
	case k1 != k2:
		return false, false
	}
	switch k1 {
	case floatKind:
		return arg1.Float() < arg2.Float(), true
	case intKind:
		return arg1.Int() < arg2.Int(), true
	case stringKind:
		return arg1.String() < arg2.String(), true
	case uintKind:
		return arg1.Uint() < arg2.Uint(), true
	}
	return false, false // bool, complex: text/template reports an error
}

// setShellKey sets the shell key of node i, with shell sh and inputs vals
// at locs.
func (r *run) setShellKey(i int32, sh *readSet, vals []reflect.Value, locs []loc) {
	n := &r.nodes[i]
	var ok bool
	if n.skey, ok = r.shellKey(sh, vals, locs); ok {
		n.flags |= nodeSkeyed
	}
}
