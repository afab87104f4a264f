package session

import (
	"reflect"
	"sync"
)

// checkStorable is CheckStorable(b) for b, the encoding of v, skipped when
// v's type alone proves that b decodes: its encoding nests at most
// maxNestedLevels arrays, maps and tags (storableDepth), and b is too short
// to hold a list or a map past the limits (every item takes a byte at
// least). The encoder writes well-formed CBOR. A push renders and stores
// every pushed session, several times a second: reading each encoding
// again cost about a twentieth of the push.
func checkStorable(v any, b []byte) error {
	if len(b) <= min(maxArrayElements, maxMapPairs) && v != nil {
		if d := storableDepth(reflect.TypeOf(v)); d >= 0 && d <= maxNestedLevels {
			return nil
		}
	}
	return CheckStorable(b)
}

// depths caches storableDepth by type.
var depths sync.Map // reflect.Type → int

// storableDepth returns a bound on how deeply the encoding of a value of
// type t nests arrays, maps and tags, or -1 when t does not bound it: an
// interface, a recursive type, a custom CBOR marshaler, a type the codec
// does not encode.
func storableDepth(t reflect.Type) int {
	if d, ok := depths.Load(t); ok {
		return d.(int)
	}
	d := typeDepth(t, map[reflect.Type]bool{})
	depths.Store(t, d)
	return d
}

// typeDepth is storableDepth's walk; open holds the types being walked. It
// over-estimates: every field counts, exported or not, and an embedded
// struct counts as a level although the codec flattens it.
func typeDepth(t reflect.Type, open map[reflect.Type]bool) int {
	switch {
	case t == timeType:
		return 2 // a tag and a string; one more for safety
	case customMarshaler(t):
		return -1 // its own bytes, whatever they hold
	case open[t]:
		return -1 // recursive: as deep as the value
	}
	open[t] = true
	defer delete(open, t)
	return kindDepth(t, open)
}

func kindDepth(t reflect.Type, open map[reflect.Type]bool) int {
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return 0
	case reflect.Pointer:
		return typeDepth(t.Elem(), open)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return 1 // a byte string (a tag at most)
		}
		return nested(typeDepth(t.Elem(), open))
	case reflect.Map:
		k, v := typeDepth(t.Key(), open), typeDepth(t.Elem(), open)
		if k < 0 || v < 0 {
			return -1
		}
		return max(k, v) + 1
	case reflect.Struct:
		d := 0
		for i := range t.NumField() {
			f := typeDepth(t.Field(i).Type, open)
			if f < 0 {
				return -1
			}
			d = max(d, f)
		}
		return d + 1
	}
	return -1 // interfaces, and what the codec does not encode
}

// nested is one level around d, -1 staying -1.
func nested(d int) int {
	if d < 0 {
		return -1
	}
	return d + 1
}
