package session

import (
	"bytes"
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/livefir/statetemplate/internal/bufpool"
)

// RenderCache holds rendered pages shared across the sessions of one
// renderer, keyed by the template's name and the data's type name (joined
// by a NUL byte, as typeName) and the exact canonical encoding of the data
// they were rendered from. Implementations must key on both in
// full (cache.Fragments does, with SHA-256 and a full-key compare) and be
// safe for concurrent use; they may drop entries at any time.
type RenderCache interface {
	Get(typeName string, data []byte) (string, bool)
	Set(typeName string, data []byte, page string)
}

// render executes the template called name for data into buf.
func (m *Manager) render(buf *bytes.Buffer, name string, data any, id ID) error {
	if err := m.cfg.Render(buf, name, data); err != nil {
		return fmt.Errorf("statetemplate: rendering session %s: %w", id.Short(), err)
	}
	return nil
}

// renderShared renders data with the template tmpl into buf, through the
// render cache when there is one, data's type is fully described by its
// encoding and captured says data is Captured. enc must be the encoding
// of data as it is now (it may be nil without a render cache): the cache
// key is exactly what is rendered, so a page is only ever shared between
// sessions whose data encodes to the same bytes.
func (m *Manager) renderShared(buf *bytes.Buffer, tmpl string, data any, enc []byte, captured bool, id ID) error {
	rc := m.cfg.RenderCache
	if rc == nil || enc == nil || !captured || !Shareable(reflect.TypeOf(data)) {
		return m.render(buf, tmpl, data, id)
	}
	key := pageKey(tmpl, data)
	if page, ok := rc.Get(key, enc); ok {
		buf.WriteString(page)
		return nil
	}
	if err := m.render(buf, tmpl, data, id); err != nil {
		return err
	}
	rc.Set(key, enc, buf.String())
	return nil
}

// pageKey is the render cache key of a page: its template's name and its
// data's type name, joined by a NUL byte (see RenderCache).
func pageKey(tmpl string, data any) string { return tmpl + "\x00" + TypeName(data) }

// shareableTypes memoizes Shareable per type.
var shareableTypes sync.Map // reflect.Type → bool

// Shareable reports whether a value of type t is fully captured by its
// CBOR encoding, so that equal encodings mean equal template input. It
// is not when any field reachable from t is unexported (a method could
// print it), an interface (its dynamic type could be anything) or a func
// or channel; when a type has its own marshaler (it decides what is
// encoded; an embedded time.Time promotes one); or when two fields of a
// struct, embedded ones included, encode under one name (the codec drops
// both). time.Time is the one struct with unexported fields allowed: its
// encoding keeps its instant and offset.
//
// Shareable is about the type; what a value of it holds decides the
// rest. A time's encoding keeps its instant and offset, not its
// location's name, which templates print ({{.At.Format "15:04 MST"}}):
// two values of a Shareable type with equal encodings print alike only
// when both are Captured (times in time.UTC, or time.Local at a non-zero
// offset or named "UTC"). Every path that shares by equal encodings (the
// render cache, the part cache, shared transitions, the no-op of equal
// data) asks both, Captured per render, and data that is not captured is
// rendered. A monotonic clock reading (which {{.At}} prints, m=+…) and
// output that depends on pointer identity ({{printf "%p"}}, eq on two
// pointers) are not captured by any encoding either, and are not checked:
// data straight from time.Now() shares as its wall time does, and
// templates that print these must not share (WithRenderCache off,
// WithFragmentCache(0)).
func Shareable(t reflect.Type) bool {
	if t == nil {
		return false
	}
	if v, ok := shareableTypes.Load(t); ok {
		return v.(bool)
	}
	ok := walkShareable(t, map[reflect.Type]bool{})
	shareableTypes.Store(t, ok)
	return ok
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	cborMarshalerType   = reflect.TypeFor[cbor.Marshaler]()
	binaryMarshalerType = reflect.TypeFor[encoding.BinaryMarshaler]()
)

// customMarshaler reports whether the codec hands t to its own marshaler.
func customMarshaler(t reflect.Type) bool {
	for _, m := range []reflect.Type{cborMarshalerType, binaryMarshalerType} {
		if t.Implements(m) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(m)) {
			return true
		}
	}
	return false
}

func walkShareable(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return true // a recursive type: its other fields decide
	}
	seen[t] = true
	// A pointer is encoded as what it points to, marshaler included.
	if t.Kind() != reflect.Pointer && t != timeType && customMarshaler(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return walkShareable(t.Elem(), seen)
	case reflect.Map:
		return walkShareable(t.Key(), seen) && walkShareable(t.Elem(), seen)
	case reflect.Struct:
		if t == timeType {
			return true
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || notEncoded(f) || !walkShareable(f.Type, seen) {
				return false
			}
		}
		return distinctNames(t, map[string]bool{}, map[reflect.Type]bool{})
	case reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return false
	}
	return true
}

// distinctNames reports whether the fields of struct t, with those of
// embedded structs flattened as the codec does, all encode under distinct
// names. Stricter than the codec, which lets a shallower field hide a
// deeper one: a template can still read the hidden one.
func distinctNames(t reflect.Type, names map[string]bool, inside map[reflect.Type]bool) bool {
	if inside[t] {
		return false
	}
	inside[t] = true
	defer delete(inside, t)
	for i := range t.NumField() {
		f := t.Field(i)
		name, tagged := encodedName(f)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && !tagged && ft.Kind() == reflect.Struct {
			if !distinctNames(ft, names, inside) {
				return false
			}
			continue
		}
		if names[name] {
			return false
		}
		names[name] = true
	}
	return true
}

// encodedName returns the key the codec writes f under, and whether a tag
// gave it.
func encodedName(f reflect.StructField) (string, bool) {
	tag, ok := f.Tag.Lookup("cbor")
	if !ok {
		tag = f.Tag.Get("json")
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name, true
	}
	return f.Name, false
}

// notEncoded reports whether the codec skips f: a cbor:"-" tag, or a
// json:"-" tag without a cbor tag (the codec falls back to json tags).
func notEncoded(f reflect.StructField) bool {
	if tag, ok := f.Tag.Lookup("cbor"); ok {
		return tag == "-"
	}
	return f.Tag.Get("json") == "-"
}

// getBuffer and putBuffer pool the buffers pages are rendered into.
func getBuffer() *bytes.Buffer { return bufpool.Get() }

func putBuffer(b *bytes.Buffer) { bufpool.Put(b) }
