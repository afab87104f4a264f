package session

import (
	"math"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// padded has padding between and after its fields, a pointer whose
// pointee has padding and a pointer of its own, floats and a time.
type padded struct {
	A   bool
	N   int64
	B   bool
	P   *paddedInner
	F   float32
	F64 float64
	S   string
	At  time.Time
}

type paddedInner struct {
	OK bool
	X  float64
	Q  *paddedLeaf
	S  string
}

type paddedLeaf struct {
	B  bool
	At time.Time
}

// scribblePadding writes junk over the padding bytes of v (those outside
// every field): a value whose fields are equal to another's, whatever its
// padding holds, must compare equal.
func scribblePadding(v *padded) {
	t := reflect.TypeFor[padded]()
	used := make([]bool, t.Size())
	for i := range t.NumField() {
		f := t.Field(i)
		for b := f.Offset; b < f.Offset+f.Type.Size(); b++ {
			used[b] = true
		}
	}
	for b, u := range used {
		if !u {
			*(*byte)(unsafe.Add(unsafe.Pointer(v), b)) = 0xA5
		}
	}
}

// TestValueShape_EqualIsTheEncodingsEquality compares values that differ
// in ways a comparison of bytes could get wrong: padding, floats whose
// bits differ where their values are equal (or the reverse), a string
// that is a prefix of another at the same address, times with another
// location or monotonic reading, pointees at other addresses. equal must
// never report equal values whose encodings differ, and must report the
// verdict each case states.
func TestValueShape_EqualIsTheEncodingsEquality(t *testing.T) {
	s := shapeOf(reflect.TypeFor[padded]())
	require.NotNil(t, s)
	now := time.Now() // with a monotonic reading
	at := time.Unix(1_700_000_000, 5).UTC()
	text := "abcdef"
	base := func() padded {
		return padded{A: true, N: 7, B: true, F: 1.5, F64: 2.5, S: text[:3], At: at,
			P: &paddedInner{OK: true, X: 3, S: "in", Q: &paddedLeaf{B: true, At: at}}}
	}
	for _, tc := range []struct {
		name   string
		change func(*padded)
		equal  bool
	}{
		{"a copy with junk in its padding", func(v *padded) { scribblePadding(v) }, true},
		{"junk in the padding and another number", func(v *padded) { scribblePadding(v); v.N = 8 }, false},
		{"an equal string at another address", func(v *padded) { v.S = string([]byte("abc")) }, true},
		{"a longer string at the same address", func(v *padded) { v.S = text[:4] }, false},
		{"a shorter string at the same address", func(v *padded) { v.S = text[:2] }, false},
		{"-0 for +0 in a float64", func(v *padded) { v.F64 = math.Copysign(0, -1) }, false},
		{"a NaN's other payload", func(v *padded) { v.F64 = math.Float64frombits(0x7ff8000000000002) }, false},
		{"a float32 changed", func(v *padded) { v.F = 1.25 }, false},
		{"the same instant in another location", func(v *padded) { v.At = at.In(time.FixedZone("X", 0)) }, false},
		{"a time with a monotonic reading", func(v *padded) { v.At = now }, false},
		{"an equal pointee at another address", func(v *padded) { c := *v.P; l := *c.Q; c.Q = &l; v.P = &c }, true},
		{"a pointee's pointee's time", func(v *padded) { c := *v.P; l := *c.Q; l.At = at.Add(1); c.Q = &l; v.P = &c }, false},
		{"a pointee's nil pointer", func(v *padded) { c := *v.P; c.Q = nil; v.P = &c }, false},
		{"a nil pointer", func(v *padded) { v.P = nil }, false},
		{"a bool after junk padding", func(v *padded) { scribblePadding(v); v.B = false }, false},
	} {
		a, b := base(), base()
		if tc.name == "a NaN's other payload" {
			a.F64 = math.Float64frombits(0x7ff8000000000001)
		}
		tc.change(&b)
		got := s.equal(unsafe.Pointer(&a), unsafe.Pointer(&b))
		assert.Equal(t, tc.equal, got, tc.name)
		assert.Equal(t, got, s.equal(unsafe.Pointer(&b), unsafe.Pointer(&a)), tc.name+", the other way")
		if got {
			ea, err := EncodeData(a)
			require.NoError(t, err)
			eb, err := EncodeData(b)
			require.NoError(t, err)
			assert.Equal(t, ea, eb, "%s: equal values encode alike", tc.name)
		}
		// A copy made as listMemo makes it compares equal to its source.
		c := reflect.New(s.typ).Elem()
		s.copyTo(c, reflect.ValueOf(b))
		assert.True(t, s.equal(unsafe.Pointer(&b), c.Addr().UnsafePointer()), "%s: a deep copy is equal", tc.name)
	}
}
