package datapath

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxPaths is the most paths Changed reports before summarizing.
const MaxPaths = 64

// MaxDepth bounds how deep Changed walks before comparing whole values.
const MaxDepth = 32

var timeType = reflect.TypeFor[time.Time]()

// Changed returns the dotted paths of the exported data that differ
// between prev and next; nil when nothing differs. Values of different
// types differ at the root, reported as the path "".
func Changed(prev, next any) []string {
	w := walker{seen: map[[2]uintptr]bool{}}
	w.value(reflect.ValueOf(prev), reflect.ValueOf(next), 0)
	if len(w.paths) > MaxPaths {
		return topLevel(w.paths)
	}
	return w.paths
}

// walker keeps the current path as segments and builds a path string only
// for a difference.
type walker struct {
	paths []string
	segs  []string
	seen  map[[2]uintptr]bool
}

func (w *walker) add() { w.paths = append(w.paths, strings.Join(w.segs, ".")) }

// at compares a and b at the current path plus seg.
func (w *walker) at(seg string, a, b reflect.Value, depth int) {
	w.segs = append(w.segs, seg)
	w.value(a, b, depth)
	w.segs = w.segs[:len(w.segs)-1]
}

func (w *walker) value(a, b reflect.Value, depth int) {
	if !a.IsValid() || !b.IsValid() {
		if a.IsValid() != b.IsValid() {
			w.add()
		}
		return
	}
	if a.Type() != b.Type() {
		w.add()
		return
	}
	if depth > MaxDepth {
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			w.add()
		}
		return
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				w.add()
			}
			return
		}
		key := [2]uintptr{a.Pointer(), b.Pointer()}
		if key[0] == key[1] || w.seen[key] {
			return
		}
		w.seen[key] = true
		w.value(a.Elem(), b.Elem(), depth+1)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				w.add()
			}
			return
		}
		w.value(a.Elem(), b.Elem(), depth+1)
	case reflect.Struct:
		if a.Type() == timeType {
			if !a.Interface().(time.Time).Equal(b.Interface().(time.Time)) {
				w.add()
			}
			return
		}
		t := a.Type()
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				w.at(f.Name, a.Field(i), b.Field(i), depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		w.list(a, b, depth)
	case reflect.Map:
		w.mapValue(a, b, depth)
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
	default:
		if !scalarEqual(a, b) {
			w.add()
		}
	}
}

func (w *walker) list(a, b reflect.Value, depth int) {
	if a.Kind() == reflect.Slice && a.Type().Elem().Kind() == reflect.Uint8 {
		if string(a.Bytes()) != string(b.Bytes()) {
			w.add()
		}
		return
	}
	na, nb := a.Len(), b.Len()
	if na == nb {
		for i := range na {
			w.at(strconv.Itoa(i), a.Index(i), b.Index(i), depth+1)
		}
		return
	}
	short := min(na, nb)
	probe := walker{seen: w.seen}
	for i := 0; i < short && len(probe.paths) == 0; i++ {
		probe.value(a.Index(i), b.Index(i), depth+1)
	}
	if len(probe.paths) > 0 {
		w.add()
		return
	}
	for i := short; i < max(na, nb); i++ {
		w.segs = append(w.segs, strconv.Itoa(i))
		w.add()
		w.segs = w.segs[:len(w.segs)-1]
	}
}

func (w *walker) mapValue(a, b reflect.Value, depth int) {
	type entry struct {
		name string
		key  reflect.Value
	}
	var keys []entry
	names := map[string]bool{}
	for _, m := range []reflect.Value{a, b} {
		for _, k := range m.MapKeys() {
			name := keyName(k)
			if !names[name] {
				names[name] = true
				keys = append(keys, entry{name, k})
			}
		}
	}
	slices.SortFunc(keys, func(x, y entry) int { return strings.Compare(x.name, y.name) })
	for _, k := range keys {
		va, vb := a.MapIndex(k.key), b.MapIndex(k.key)
		w.at(k.name, va, vb, depth+1)
	}
}

func keyName(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	return fmt.Sprint(k.Interface())
}

func scalarEqual(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || math.IsNaN(x) && math.IsNaN(y)
	case reflect.Complex64, reflect.Complex128:
		return a.Complex() == b.Complex()
	case reflect.String:
		return a.String() == b.String()
	}
	return true
}

// topLevel reduces paths to their distinct first segments, in order.
func topLevel(paths []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		top, _, _ := strings.Cut(p, ".")
		if !seen[top] {
			seen[top] = true
			out = append(out, top)
		}
	}
	return out
}
