package session

import (
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// Captured reports whether the times v holds are captured by their
// encoding, so that, for a Shareable type, two values with equal
// encodings print alike (see Shareable). The codec keeps a time's instant
// and UTC offset, not its location: a time is captured when its location
// is time.UTC, or time.Local at a non-zero offset or named "UTC" (within
// one process the instant and Local decide the zone's name; Local at
// offset 0 encodes as "Z", as UTC does, and prints UTC only when that is
// its name: London's GMT is not captured). A time in any other location
// (time.FixedZone, time.LoadLocation) is not. A monotonic clock reading
// is not checked: the codec drops it, and only String prints it (m=+…),
// a reading no other session's time shares unless it is the same time;
// a template that prints it renders what no encoding can repeat. A
// value whose type reaches no time.Time is captured at no cost: which
// fields can hold a time is worked out once per type. Values deeper than
// the codec's nesting limit, and interfaces holding such a time, are not
// captured. An invalid v is captured.
func Captured(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	if v.Kind() == reflect.Pointer {
		// Data is most often a pointer: walked from what it points to,
		// with no copy.
		if v.IsNil() {
			return true
		}
		w := timeWalkOf(v.Type().Elem())
		return w == nil || w.captured(v.UnsafePointer(), 0)
	}
	w := timeWalkOf(v.Type())
	return w == nil || w.captured(valuePointer(v), 0)
}

// valuePointer returns a pointer to v's value: v's own address when it
// has one, else a copy's.
func valuePointer(v reflect.Value) unsafe.Pointer {
	if v.CanAddr() {
		return v.Addr().UnsafePointer()
	}
	p := reflect.New(v.Type())
	p.Elem().Set(v)
	return p.UnsafePointer()
}

// timeCaptured reports whether the encoding of t captures what a
// template can print of it (see Captured).
func timeCaptured(t *time.Time) bool {
	switch t.Location() {
	case time.UTC:
		return true
	case time.Local:
		name, off := t.Zone()
		return off != 0 || name == "UTC"
	}
	return false
}

// walkKind is how one step of a timeWalk reaches times.
type walkKind uint8

const (
	walkTime  walkKind = iota // a time.Time
	walkPtr                   // a pointer: what it points to
	walkSlice                 // a slice: its elements
	walkArray                 // an array: its elements
	walkMap                   // a map: its keys and values, through reflect
	walkIface                 // an interface: its dynamic value, through reflect
)

// walkOp is one field of a value that can hold a time, at off.
type walkOp struct {
	kind walkKind
	off  uintptr
	n    int          // walkArray: the length
	typ  reflect.Type // walkMap, walkIface: the field's type
	elem *timeWalk    // walkPtr, walkSlice, walkArray: the element's walk
}

// timeWalk is the plan of the times a type can hold: the fields that can
// reach a time.Time, by offset. A type that reaches none has no walk.
type timeWalk struct {
	size uintptr
	ops  []walkOp
}

var timeWalks sync.Map // reflect.Type → *timeWalk, nil when t reaches no time

// timeWalkOf returns t's walk, or nil when no value of t holds a time.
func timeWalkOf(t reflect.Type) *timeWalk {
	if w, ok := timeWalks.Load(t); ok {
		return w.(*timeWalk)
	}
	w := buildTimeWalk(t, map[reflect.Type]*timeWalk{}, map[reflect.Type]bool{})
	timeWalks.Store(t, w)
	return w
}

// buildTimeWalk builds t's walk; building holds the walks being built, so
// that a recursive type's walk refers to itself.
func buildTimeWalk(t reflect.Type, building map[reflect.Type]*timeWalk, reach map[reflect.Type]bool) *timeWalk {
	if !reachesTime(t, reach, map[reflect.Type]bool{}) {
		return nil
	}
	if w, ok := building[t]; ok {
		return w
	}
	w := &timeWalk{size: t.Size()}
	building[t] = w
	w.add(t, 0, building, reach)
	return w
}

// add appends the ops of a field of type t at off.
func (w *timeWalk) add(t reflect.Type, off uintptr, building map[reflect.Type]*timeWalk, reach map[reflect.Type]bool) {
	if !reachesTime(t, reach, map[reflect.Type]bool{}) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == timeType {
			w.ops = append(w.ops, walkOp{kind: walkTime, off: off})
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			w.add(f.Type, off+f.Offset, building, reach)
		}
	case reflect.Pointer:
		w.ops = append(w.ops, walkOp{kind: walkPtr, off: off, elem: buildTimeWalk(t.Elem(), building, reach)})
	case reflect.Slice:
		w.ops = append(w.ops, walkOp{kind: walkSlice, off: off, elem: buildTimeWalk(t.Elem(), building, reach)})
	case reflect.Array:
		w.ops = append(w.ops, walkOp{kind: walkArray, off: off, n: t.Len(), elem: buildTimeWalk(t.Elem(), building, reach)})
	case reflect.Map:
		w.ops = append(w.ops, walkOp{kind: walkMap, off: off, typ: t})
	case reflect.Interface:
		w.ops = append(w.ops, walkOp{kind: walkIface, off: off, typ: t})
	}
}

// reachesTime reports whether a value of t can hold a time.Time: an
// interface can hold anything.
func reachesTime(t reflect.Type, memo, seen map[reflect.Type]bool) bool {
	if r, ok := memo[t]; ok {
		return r
	}
	if seen[t] {
		return false // a recursive type: its other fields decide
	}
	seen[t] = true
	r := false
	switch t.Kind() {
	case reflect.Struct:
		r = t == timeType
		for i := 0; !r && i < t.NumField(); i++ {
			r = reachesTime(t.Field(i).Type, memo, seen)
		}
	case reflect.Pointer, reflect.Slice, reflect.Array:
		r = reachesTime(t.Elem(), memo, seen)
	case reflect.Map:
		r = reachesTime(t.Key(), memo, seen) || reachesTime(t.Elem(), memo, seen)
	case reflect.Interface:
		r = true
	}
	delete(seen, t)
	if r || len(seen) == 0 {
		memo[t] = r // a false below a recursion may yet turn true above it
	}
	return r
}

// captured reports whether the times in the value at p, of w's type, are
// captured; depth counts the levels above it.
func (w *timeWalk) captured(p unsafe.Pointer, depth int) bool {
	if depth > maxNestedLevels {
		return false
	}
	for i := range w.ops {
		op := &w.ops[i]
		q := unsafe.Add(p, op.off)
		switch op.kind {
		case walkTime:
			if !timeCaptured((*time.Time)(q)) {
				return false
			}
		case walkPtr:
			if e := *(*unsafe.Pointer)(q); e != nil && op.elem != nil && !op.elem.captured(e, depth+1) {
				return false
			}
		case walkSlice:
			s := *(*[]byte)(q) // only its pointer and length are read
			if op.elem != nil && !op.elem.each(unsafe.Pointer(unsafe.SliceData(s)), len(s), depth+1) {
				return false
			}
		case walkArray:
			if op.elem != nil && !op.elem.each(q, op.n, depth+1) {
				return false
			}
		case walkMap, walkIface:
			if !capturedReflect(reflect.NewAt(op.typ, q).Elem(), depth+1) {
				return false
			}
		}
	}
	return true
}

// each reports whether the n values of w's type from p are captured.
func (w *timeWalk) each(p unsafe.Pointer, n, depth int) bool {
	for i := range n {
		if !w.captured(unsafe.Add(p, uintptr(i)*w.size), depth) {
			return false
		}
	}
	return true
}

// uncaptured counts the values of w's type at indexes from..to-1 of the
// array at p that are not captured.
func (w *timeWalk) uncaptured(p unsafe.Pointer, from, to int) int {
	n := 0
	for i := from; i < to; i++ {
		if !w.captured(unsafe.Add(p, uintptr(i)*w.size), 0) {
			n++
		}
	}
	return n
}

// capturedReflect is Captured for the keys and values of a map, or the
// dynamic value of an interface.
func capturedReflect(v reflect.Value, depth int) bool {
	switch v.Kind() {
	case reflect.Map:
		if v.IsNil() {
			return true
		}
		kw, ew := timeWalkOf(v.Type().Key()), timeWalkOf(v.Type().Elem())
		for it := v.MapRange(); it.Next(); {
			if kw != nil && !kw.captured(valuePointer(it.Key()), depth) {
				return false
			}
			if ew != nil && !ew.captured(valuePointer(it.Value()), depth) {
				return false
			}
		}
		return true
	case reflect.Interface:
		if v.IsNil() {
			return true
		}
		e := v.Elem()
		w := timeWalkOf(e.Type())
		return w == nil || w.captured(valuePointer(e), depth)
	}
	return true
}
