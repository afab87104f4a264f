package session

import (
	"reflect"
	"slices"
	"strings"
	"sync"
)

type fieldQuery struct {
	t    reflect.Type
	name string
}

type fieldAnswer struct {
	key string
	ft  reflect.Type
	ok  bool
}

var encodedFields sync.Map // fieldQuery → fieldAnswer

// EncodedField reports how the codec encodes what a template reaches as
// .name on a value of struct type t: under the text key key, in the map
// of t itself, as a value of type ft. ok is false when .name is not such a
// field: a method (text/template prefers them), an unexported or missing
// field, an untagged embedded struct (the codec encodes its fields as t's
// own, under no key of its name), a field promoted through an embedded
// pointer or a tagged embedded struct, a field encoded under an integer
// key or under a key another field of t encodes under too, or a struct
// encoded as an array. Then the encoding of t as a whole is what a
// template can read.
func EncodedField(t reflect.Type, name string) (key string, ft reflect.Type, ok bool) {
	q := fieldQuery{t, name}
	if a, hit := encodedFields.Load(q); hit {
		a := a.(fieldAnswer)
		return a.key, a.ft, a.ok
	}
	var a fieldAnswer
	a.key, a.ft, a.ok = encodedField(t, name)
	encodedFields.Store(q, a)
	return a.key, a.ft, a.ok
}

func encodedField(t reflect.Type, name string) (string, reflect.Type, bool) {
	if t.Kind() != reflect.Struct {
		return "", nil, false
	}
	if _, m := reflect.PointerTo(t).MethodByName(name); m {
		return "", nil, false
	}
	if toArray(t) {
		return "", nil, false
	}
	sf, found := t.FieldByName(name)
	if !found || !sf.IsExported() || notEncoded(sf) {
		return "", nil, false
	}
	for k := 1; k < len(sf.Index); k++ {
		e := t.FieldByIndex(sf.Index[:k])
		if _, tagged := encodedName(e); tagged || e.Type.Kind() != reflect.Struct || toArray(e.Type) {
			return "", nil, false
		}
	}
	if keyAsInt(sf) {
		return "", nil, false
	}
	key, tagged := encodedName(sf)
	if sf.Anonymous && !tagged && embedsStruct(sf.Type) {
		return "", nil, false // the codec encodes its fields in t's map, not under its name
	}
	if !onlyUnder(t, sf.Index, key) {
		return "", nil, false // the key holds another field's value, or none
	}
	return key, sf.Type, true
}

// onlyUnder reports whether the field at index is the only field of
// struct t, with the fields of untagged embedded structs flattened as the
// codec flattens them, that encodes under key. Where two do, the codec
// keeps the shallower (or the tagged one) or drops both: the key may hold
// a value that is not the one a template reaches by the field's name.
func onlyUnder(t reflect.Type, index []int, key string) bool {
	found := 0
	var walk func(t reflect.Type, at []int, depth int)
	walk = func(t reflect.Type, at []int, depth int) {
		if depth > maxEmbedDepth {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if notEncoded(f) {
				continue
			}
			fi := append(at[:len(at):len(at)], i)
			name, tagged := encodedName(f)
			if f.Anonymous && !tagged && embedsStruct(f.Type) {
				et := f.Type
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				walk(et, fi, depth+1)
				continue
			}
			if f.IsExported() && name == key && !slices.Equal(fi, index) {
				found++
			}
		}
	}
	walk(t, nil, 0)
	return found == 0
}

// maxEmbedDepth bounds the embedded structs onlyUnder follows (a type
// can embed a pointer to itself).
const maxEmbedDepth = 16

// embedsStruct reports whether an embedded field of type t is a struct or
// a pointer to one: untagged, the codec encodes its fields as its
// parent's.
func embedsStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

// toArray reports a struct the codec encodes as an array.
func toArray(t reflect.Type) bool {
	for i := range t.NumField() {
		if f := t.Field(i); f.Name == "_" && strings.Contains(f.Tag.Get("cbor"), "toarray") {
			return true
		}
	}
	return false
}

// keyAsInt reports a field the codec keys by an integer.
func keyAsInt(f reflect.StructField) bool {
	return strings.Contains(f.Tag.Get("cbor"), "keyasint")
}
