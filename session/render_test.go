package session

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, shareable(reflect.TypeOf(tt.v)))
		})
	}
	assert.False(t, shareable(nil), "nil data has no type to vouch for")
}
