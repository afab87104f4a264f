package session

import (
	"encoding/json"
	"math/big"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Leaves with encodings of their own: named byte slices and byte arrays
// (byte strings), a text marshaler the codec does not use, a struct
// encoded as an array, one with an embedded struct (flattened) and
// unexported fields, a big.Int (a tag), a time (a tag).
type (
	storableBytes  []byte
	storableByte   uint8
	storableNamedB []storableByte
	storableText   struct{ A, B int }
	storableArray  struct {
		_    struct{} `cbor:",toarray"`
		A    []int
		Name string
	}
	storableInner    struct{ X []map[string]int }
	storableEmbedder struct {
		storableInner
		hidden [][]int
		Y      *[2][]string
	}
)

func (storableText) MarshalText() ([]byte, error) { return []byte("text"), nil }

// storableLeaves are the types a drawn type ends in, with a value of each.
var storableLeaves = []any{
	0, "s", true, 1.5, uint8(7), int64(-3),
	[]byte{1, 2}, [4]byte{1, 2, 3, 4}, [][]byte{{1}, {2}}, [2][3]byte{},
	storableBytes{1}, storableNamedB{1, 2}, json.RawMessage(`[[[1]]]`),
	cbor.ByteString("b"), storableText{1, 2},
	storableArray{A: []int{1}, Name: "n"},
	storableEmbedder{storableInner: storableInner{X: []map[string]int{{"a": 1}}}, hidden: [][]int{{1}}, Y: &[2][]string{{"y"}}},
	big.NewInt(1 << 40), *big.NewInt(-5), time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC),
	netip.MustParseAddr("10.0.0.1"), // a binary marshaler: its own bytes, not walked
}

// drawStorable draws a value whose type nests a leaf in depth levels of
// wrappers (and pointers, which add none) —
// lists, arrays, maps (with the nested value as a key or a value), struct
// fields and pointers — and whose value holds one element at each level,
// so that its encoding is as deep as its type says.
func drawStorable(t *rapid.T, depth int) reflect.Value {
	v := reflect.ValueOf(rapid.SampledFrom(storableLeaves).Draw(t, "leaf"))
	for i := 0; i < depth; i++ {
		switch rapid.IntRange(0, 5).Draw(t, "wrap") {
		case 0:
			s := reflect.MakeSlice(reflect.SliceOf(v.Type()), 1, 1)
			s.Index(0).Set(v)
			v = s
		case 1:
			a := reflect.New(reflect.ArrayOf(2, v.Type())).Elem()
			a.Index(1).Set(v)
			v = a
		case 2:
			m := reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), v.Type()))
			m.SetMapIndex(reflect.ValueOf("k"), v)
			v = m
		case 3:
			if !v.Type().Comparable() {
				i-- // no level added
				continue
			}
			m := reflect.MakeMap(reflect.MapOf(v.Type(), reflect.TypeFor[int]()))
			m.SetMapIndex(v, reflect.ValueOf(i))
			v = m
		case 4:
			st := reflect.StructOf([]reflect.StructField{
				{Name: "A", Type: reflect.TypeFor[int]()},
				{Name: "V", Type: v.Type()},
				{Name: "Rest", Type: reflect.TypeFor[[]string]()},
			})
			s := reflect.New(st).Elem()
			s.Field(1).Set(v)
			v = s
		case 5:
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			v = p
			i-- // a pointer is encoded as what it points to
		}
	}
	return v
}

// TestCheckStorable_TypeBoundNeverSkipsWhatTheBytesRefuse: for values of
// random types nested around the decoder's limit, whenever the type's
// bound lets checkStorable skip reading the encoding, CheckStorable —
// which reads it — passes too; and the draws reach both sides of the
// limit.
func TestCheckStorable_TypeBoundNeverSkipsWhatTheBytesRefuse(t *testing.T) {
	var skipped, refused int
	for range 5 { // 500 draws: a bound one level low shows at the limit only
		rapid.Check(t, checkTypeBoundAgainstBytes(&skipped, &refused))
	}
	require.Positive(t, skipped, "some draws are bounded by their type")
	require.Positive(t, refused, "some draws are nested past the limit")
}

func checkTypeBoundAgainstBytes(skipped, refused *int) func(*rapid.T) {
	return func(t *rapid.T) {
		depth := rapid.OneOf(rapid.IntRange(0, 8), rapid.IntRange(maxNestedLevels-3, maxNestedLevels+1)).Draw(t, "depth")
		v := drawStorable(t, depth).Interface()
		b, err := EncodeData(v)
		require.NoError(t, err)
		read := CheckStorable(b)
		if read != nil {
			*refused++
		}
		if d := storableDepth(reflect.TypeOf(v)); d >= 0 && d <= maxNestedLevels {
			*skipped++
			require.NoError(t, read, "%T: bound %d, but its encoding is refused", v, d)
		}
		require.Equal(t, read == nil, checkStorable(v, b) == nil, "%T: the check by type and by bytes disagree", v)
	}
}

type storableBox[T any] struct{ V T }

// TestStorableDepth_BoundsNothingThatHoldsAnInterfaceOrItsOwnBytes: types
// whose encoding the codec takes from a value's dynamic type or from the
// type's own marshaler bound nothing (their encodings are read), whatever
// the rest of the type holds; a generic type is bounded as its
// instantiation.
func TestStorableDepth_BoundsNothingThatHoldsAnInterfaceOrItsOwnBytes(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want int
	}{
		{"a cbor.Tag (its content is any)", cbor.Tag{Number: 100, Content: 1}, -1},
		{"a cbor.RawTag (its own marshaler)", cbor.RawTag{Number: 100, Content: cbor.RawMessage{0x01}}, -1},
		{"a map of any", map[string]any{}, -1},
		{"a list of any", []any{}, -1},
		{"a map keyed by any", map[any]int{}, -1},
		{"a generic box of any", storableBox[any]{}, -1},
		{"a generic box of lists of lists", storableBox[[][]int]{}, 3},
		{"a binary marshaler in a map", map[string]netip.Addr{}, -1},
		{"a raw message behind a pointer in a list", []*cbor.RawMessage{}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, storableDepth(reflect.TypeOf(tt.v)))
		})
	}
	deep := any(1)
	for range maxNestedLevels + 1 {
		deep = []any{deep}
	}
	for _, v := range []any{storableBox[any]{V: deep}, map[string]any{"k": deep}, cbor.Tag{Number: 100, Content: deep}} {
		b, err := EncodeData(v)
		require.NoError(t, err)
		require.ErrorIs(t, checkStorable(v, b), ErrUnstorableData, "%T holding a value nested past the limit", v)
	}
}
