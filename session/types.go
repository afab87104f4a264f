package session

import (
	"fmt"
	"reflect"
	"sync"
)

// Types maps the names of Go types to the types, so that data stored as
// CBOR can be restored as the concrete type the app created the session
// with — methods, nested structs and time formatting included. The zero
// value is ready to use and safe for concurrent use.
type Types struct {
	mu     sync.RWMutex
	byName map[string]reflect.Type
}

// TypeName returns the name under which data of v's type is stored: the
// package path and type name, with a leading "*" for a pointer, such as
// "*github.com/acme/app.DashboardData".
func TypeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return nilType
	}
	// Every render names its data's type: the name is built once.
	if name, ok := typeNames.Load(t); ok {
		return name.(string)
	}
	name := typeName(t)
	typeNames.Store(t, name)
	return name
}

// typeNames memoizes TypeName by type; a program has few data types.
var typeNames sync.Map // reflect.Type -> string

// nilType is the TypeName of nil data, which needs no decoding.
const nilType = "nil"

func typeName(t reflect.Type) string {
	if t == nil {
		return nilType
	}
	if t.Kind() == reflect.Pointer {
		return "*" + typeName(t.Elem())
	}
	if t.PkgPath() == "" {
		return t.String() // built-in and composite types: "map[string]int"
	}
	return t.PkgPath() + "." + t.Name()
}

// Register records the types of samples. A sample is a value of the type,
// typically a zero pointer such as &DashboardData{}.
func (ts *Types) Register(samples ...any) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.byName == nil {
		ts.byName = make(map[string]reflect.Type)
	}
	for _, s := range samples {
		t := reflect.TypeOf(s)
		if t == nil {
			return fmt.Errorf("session: cannot register the type of a nil interface value")
		}
		ts.byName[typeName(t)] = t
	}
	return nil
}

// Registered reports whether v's type was registered.
func (ts *Types) Registered(v any) bool {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	_, ok := ts.byName[TypeName(v)]
	return ok
}

// Decode decodes data stored under the type name into a new value of that
// type. An unknown name wraps ErrUnregisteredType; undecodable bytes wrap
// ErrCorruptRecord. It never returns a half-decoded value.
func (ts *Types) Decode(name string, data []byte) (any, error) {
	ts.mu.RLock()
	t, ok := ts.byName[name]
	ts.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s (pass a sample to WithDataTypes)", ErrUnregisteredType, name)
	}
	return DecodeAs(t, data)
}

// DecodeAs decodes data into a new value of type t.
func DecodeAs(t reflect.Type, data []byte) (any, error) {
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := DecodeData(data, p.Interface()); err != nil {
			return nil, err
		}
		return p.Interface(), nil
	}
	p := reflect.New(t)
	if err := DecodeData(data, p.Interface()); err != nil {
		return nil, err
	}
	return p.Elem().Interface(), nil
}
