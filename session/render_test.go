package session

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type shareFlat struct {
	Name  string
	When  time.Time
	Tags  []string
	Stats map[string]float64
}

type shareNested struct {
	Items []*shareFlat
	Next  *shareNested // recursive
}

type shareHidden struct {
	Name   string
	secret string
}

type shareAny struct{ V any }

type shareFunc struct{ F func() string }

type shareSkipped struct {
	Name  string
	Cache string `cbor:"-"`
}

type shareJSONSkipped struct {
	Name  string
	Cache string `json:"-"`
}

type shareDeepHidden struct{ Items []shareHidden }

// Two fields the codec gives one name: it drops both (encoding/json's
// rule), yet a template still reads them by their Go names.
type shareSameTag struct {
	A int `cbor:"x"`
	B int `cbor:"x"`
}

// Embedded structs with a field of the same name: the codec drops X.
type shareSameEmbedded struct {
	ShareEmbA
	ShareEmbB
}

// ShareEmbA and ShareEmbB are exported so that embedding them gives
// exported fields.
type ShareEmbA struct{ X int }

// ShareEmbB: see ShareEmbA.
type ShareEmbB struct{ X int }

// An embedded time.Time promotes MarshalBinary: the codec encodes only the time.
type shareEmbeddedTime struct {
	time.Time
	Name string
}

// A custom marshaler decides what is encoded, whatever the fields.
type shareMarshaler struct{ Name, Secret string }

func (s shareMarshaler) MarshalBinary() ([]byte, error) { return []byte(s.Name), nil }

type shareNestedMarshaler struct{ Items []shareMarshaler }

// Distinct names, embedding included, are fine.
type shareEmbeddedDistinct struct {
	ShareEmbA
	Y int `json:"y"`
}

// shareTimePtr holds an optional time, as the dashboard's due dates do: a
// pointer is encoded as its time, or nil.
type shareTimePtr struct {
	At *time.Time `json:"at,omitempty"`
}

func TestShareable_OnlyTypesFullyCapturedByTheirEncoding(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{"exported fields, times, slices and maps", &shareFlat{}, true},
		{"nested and recursive pointers", shareNested{}, true},
		{"a plain int", 3, true},
		{"an unexported field", &shareHidden{}, false},
		{"an unexported field deep inside a slice", shareDeepHidden{}, false},
		{"an interface field", shareAny{}, false},
		{"a func field", shareFunc{}, false},
		{"a field the codec skips by cbor tag", shareSkipped{}, false},
		{"a field the codec skips by json tag", shareJSONSkipped{}, false},
		{"a map with any values", map[string]any{}, false},
		{"two fields tagged with one name", shareSameTag{}, false},
		{"embedded structs with one field name", shareSameEmbedded{}, false},
		{"an embedded time.Time", shareEmbeddedTime{}, false},
		{"a custom binary marshaler", shareMarshaler{}, false},
		{"a custom marshaler inside a slice", shareNestedMarshaler{}, false},
		{"embedded struct and tags with distinct names", shareEmbeddedDistinct{}, true},
		{"a pointer to a time", shareTimePtr{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Shareable(reflect.TypeOf(tt.v)))
		})
	}
	assert.False(t, Shareable(nil), "nil data has no type to vouch for")
}

// TestShareable_EqualEncodingsOfDifferentDataAreNotShared pins why the
// cases above matter: these values differ, yet encode to the same bytes, so
// sharing their pages would show one session another's data.
func TestShareable_EqualEncodingsOfDifferentDataAreNotShared(t *testing.T) {
	pairs := []struct {
		name string
		a, b any
	}{
		{"same tag", shareSameTag{A: 1, B: 2}, shareSameTag{A: 3, B: 4}},
		{"same embedded name", shareSameEmbedded{ShareEmbA{1}, ShareEmbB{2}}, shareSameEmbedded{ShareEmbA{3}, ShareEmbB{4}}},
		{"embedded time", shareEmbeddedTime{Name: "alice"}, shareEmbeddedTime{Name: "bob"}},
		{"marshaler", shareMarshaler{"n", "alice"}, shareMarshaler{"n", "bob"}},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			ea, err := EncodeData(p.a)
			require.NoError(t, err)
			eb, err := EncodeData(p.b)
			require.NoError(t, err)
			require.Equal(t, ea, eb, "precondition: the codec cannot tell these apart")
			assert.False(t, Shareable(reflect.TypeOf(p.a)))
		})
	}
}
