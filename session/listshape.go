package session

import (
	"crypto/rand"
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// The shapes listMemo compares and copies values by (see listmemo.go),
// built once per type.

// opKind is how one field of an element is compared.
type opKind uint8

const (
	opBytes  opKind = iota // a bool, integer or float: its bits
	opString               // a string: its bytes
	opTime                 // a time.Time: wall clock, monotonic reading and *Location
	opPtr                  // a pointer: nil alike, or the values it points to
)

// cmpOp compares one field at off of two values of a shape.
type cmpOp struct {
	kind opKind
	off  uintptr
	size uintptr     // opBytes
	path []int       // opPtr: the field index path, for copying
	elem *valueShape // opPtr: the pointed-to value's
}

// valueShape is a type whose every value encodes as a function of what
// its ops compare: values whose ops all compare equal encode to the same
// bytes.
type valueShape struct {
	typ   reflect.Type
	ops   []cmpOp
	timed bool // a value can hold a time.Time, here or through a pointer
	// segs are the byte ranges of a value outside its pointers, and ptrs
	// its pointer ops: values whose segs are equal byte for byte (a value
	// and its copy, made by assignment) compare equal but for ptrs (see
	// equal).
	segs [][2]uintptr
	ptrs []cmpOp
}

// maxShapeDepth bounds the pointers and nested structs followed; a deeper
// or recursive type has no shape.
const maxShapeDepth = 8

// shapeOf returns the shape of t, or nil when t holds a value that is not
// compared by its bits, its bytes or its time: a slice, map, interface,
// array, complex number, func or channel. The caller checks that t is
// Shareable (no custom marshaler decides its encoding).
func shapeOf(t reflect.Type) *valueShape {
	s := &valueShape{typ: t}
	if !s.add(t, 0, nil, 0) {
		return nil
	}
	s.split()
	return s
}

// split finds s's segs and ptrs, and those of the shapes its pointers
// point to.
func (s *valueShape) split() {
	var at uintptr
	for _, op := range s.ops {
		if op.kind != opPtr {
			continue
		}
		op.elem.split()
		s.ptrs = append(s.ptrs, op)
		if op.off > at {
			s.segs = append(s.segs, [2]uintptr{at, op.off})
		}
		at = op.off + unsafe.Sizeof(uintptr(0))
	}
	if size := s.typ.Size(); size > at {
		s.segs = append(s.segs, [2]uintptr{at, size})
	}
}

func (s *valueShape) add(t reflect.Type, off uintptr, path []int, depth int) bool {
	if depth > maxShapeDepth {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		s.ops = append(s.ops, cmpOp{kind: opBytes, off: off, size: t.Size()})
	case reflect.String:
		s.ops = append(s.ops, cmpOp{kind: opString, off: off})
	case reflect.Pointer:
		e := &valueShape{typ: t.Elem()}
		if !e.add(t.Elem(), 0, nil, depth+1) {
			return false
		}
		s.ops = append(s.ops, cmpOp{kind: opPtr, off: off, path: path, elem: e})
		s.timed = s.timed || e.timed
	case reflect.Struct:
		if t == timeType {
			s.ops = append(s.ops, cmpOp{kind: opTime, off: off})
			s.timed = true
			return true
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !s.add(f.Type, off+f.Offset, append(path[:len(path):len(path)], i), depth+1) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// equal reports whether the values at a and b, both of s's type, compare
// equal field by field. Floats compare by their bits (0 and -0 encode
// apart); times by their representation, so an equal time in another
// location or with another monotonic reading is unequal (and re-encoded).
//
// Values whose bytes outside their pointers are equal (a value and its
// copy, unchanged: the same string headers, times and numbers) compare
// equal but for their pointers: one memcmp per segment instead of one
// comparison per field. Bytes that differ (padding, an equal string at
// another address) say nothing: the fields are compared one by one.
func (s *valueShape) equal(a, b unsafe.Pointer) bool {
	if s.sameSegs(a, b) {
		return equalOps(s.ptrs, a, b)
	}
	return equalOps(s.ops, a, b)
}

// sameSegs reports whether the bytes of s's segs are equal in a and b.
func (s *valueShape) sameSegs(a, b unsafe.Pointer) bool {
	for _, sg := range s.segs {
		n := sg[1] - sg[0]
		if unsafe.String((*byte)(unsafe.Add(a, sg[0])), n) != unsafe.String((*byte)(unsafe.Add(b, sg[0])), n) {
			return false
		}
	}
	return true
}

// equalOps reports whether the values at a and b compare equal by ops.
func equalOps(ops []cmpOp, a, b unsafe.Pointer) bool {
	for i := range ops {
		op := &ops[i]
		pa, pb := unsafe.Add(a, op.off), unsafe.Add(b, op.off)
		switch op.kind {
		case opBytes:
			if unsafe.String((*byte)(pa), op.size) != unsafe.String((*byte)(pb), op.size) {
				return false
			}
		case opString:
			if *(*string)(pa) != *(*string)(pb) {
				return false
			}
		case opTime:
			if *(*time.Time)(pa) != *(*time.Time)(pb) {
				return false
			}
		case opPtr:
			qa, qb := *(*unsafe.Pointer)(pa), *(*unsafe.Pointer)(pb)
			if qa == nil || qb == nil {
				if qa != qb {
					return false
				}
				continue
			}
			if !op.elem.equal(qa, qb) {
				return false
			}
		}
	}
	return true
}

// copyTo sets dst, an addressable value of s's type, to a deep copy of
// src: what a pointer points to is copied, so that changing it in place
// leaves dst as it was. Strings and a time's *Location are shared: neither
// can change.
func (s *valueShape) copyTo(dst, src reflect.Value) {
	dst.Set(src)
	for i := range s.ops {
		op := &s.ops[i]
		if op.kind != opPtr {
			continue
		}
		f := dst // a pointer's own shape: the op is the value itself
		if len(op.path) > 0 {
			f = dst.FieldByIndex(op.path)
		}
		if f.IsNil() {
			continue
		}
		c := reflect.New(op.elem.typ).Elem()
		op.elem.copyTo(c, f.Elem())
		f.Set(c.Addr())
	}
}

// rootShape is how listMemo encodes values of one root type: the struct
// as a proxy, a struct type with the same fields but each list field's
// type a marker, whose encoding is found in the proxy's and replaced by
// the list's.
type rootShape struct {
	ptr    bool         // the data is a pointer to the struct
	proxy  reflect.Type // the struct with the list fields as markers
	fields []int        // the other fields, copied into the proxy as they are
	lists  []listField
}

// listField is one list field of a root struct.
type listField struct {
	index  int
	elem   *valueShape
	marker reflect.Value // the proxy field's value, a [markerLen]byte
	mark   []byte        // its encoding
}

// markerLen is the size of a marker: random bytes that no data holds
// (2^-128 a position), and a proxy encoding holding a marker twice is
// encoded whole instead.
const markerLen = 16

var rootShapes sync.Map // reflect.Type → *rootShape, nil when listMemo cannot encode it

// rootShapeOf returns the root shape of data of type t, or nil when t is
// not a Shareable struct, or pointer to one, without embedded fields, with
// at least one list field: a slice of structs that have a shape.
func rootShapeOf(t reflect.Type) *rootShape {
	if t == nil {
		return nil
	}
	if v, ok := rootShapes.Load(t); ok {
		return v.(*rootShape)
	}
	rs := newRootShape(t)
	rootShapes.Store(t, rs)
	return rs
}

func newRootShape(t reflect.Type) *rootShape {
	if !Shareable(t) {
		return nil
	}
	rs := &rootShape{}
	st := t
	if st.Kind() == reflect.Pointer {
		rs.ptr, st = true, st.Elem()
	}
	if st.Kind() != reflect.Struct || st == timeType {
		return nil
	}
	fields := make([]reflect.StructField, st.NumField())
	for i := range fields {
		f := st.Field(i)
		if f.Anonymous {
			return nil // reflect.StructOf cannot mirror every embedding
		}
		fields[i] = reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag}
		var elem *valueShape
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct && !notEncoded(f) {
			elem = shapeOf(f.Type.Elem())
		}
		if elem == nil {
			rs.fields = append(rs.fields, i)
			continue
		}
		var m [markerLen]byte
		_, _ = rand.Read(m[:]) // never fails (crypto/rand's contract)
		m[0] |= 1              // never all zero: omitzero keeps it
		mv := reflect.New(reflect.TypeFor[[markerLen]byte]()).Elem()
		mv.Set(reflect.ValueOf(m))
		mark, err := getCodec().enc.Marshal(m)
		if err != nil {
			return nil
		}
		fields[i].Type = mv.Type()
		rs.lists = append(rs.lists, listField{index: i, elem: elem, marker: mv, mark: mark})
	}
	if len(rs.lists) == 0 {
		return nil
	}
	rs.proxy = reflect.StructOf(fields)
	return rs
}
