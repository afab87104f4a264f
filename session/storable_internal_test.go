package session

import (
	"errors"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fixture"
)

type storableLeaf struct {
	Name string
	At   time.Time
	Raw  []byte
}

type storableRow struct {
	Leaf  storableLeaf
	Tags  []string
	Cells map[string][]storableLeaf
	Next  *storableLeaf
}

type storableTree struct {
	Label string
	Kids  []*storableTree
}

type storableAny struct{ V any }

type storableCustom struct{ N int }

func (storableCustom) MarshalCBOR() ([]byte, error) { return []byte{0x80}, nil }

type storableBinary struct{ N int }

func (*storableBinary) MarshalBinary() ([]byte, error) { return nil, nil }

func TestStorableDepth_BoundsTheEncodingsNestingOrSaysItCannot(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want int
	}{
		{"a string", "x", 0},
		{"a byte slice is a byte string", []byte{1}, 1},
		{"a time is a tag", time.Time{}, 2},
		{"a struct of scalars, a time and bytes", storableLeaf{}, 3},
		{"a pointer is what it points to", &storableLeaf{}, 3},
		{"lists, maps and pointers of structs", &storableRow{}, 6},
		{"a list of lists", [][]int{}, 2},
		{"a big.Int, walked as its fields", big.NewInt(1), 2},
		{"a recursive type", &storableTree{}, -1},
		{"an interface", storableAny{}, -1},
		{"a CBOR marshaler", storableCustom{}, -1},
		{"a binary marshaler on the pointer", storableBinary{}, -1},
		{"a raw message", cbor.RawMessage{0x80}, -1},
		{"a func", func() {}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, storableDepth(reflect.TypeOf(tt.v)))
		})
	}
}

// TestStorableDepth_IsNeverBelowWhatTheDecoderCounts: the encodings of
// values of bounded types decode with the nesting limit set to the bound.
func TestStorableDepth_IsNeverBelowWhatTheDecoderCounts(t *testing.T) {
	at := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	leaf := storableLeaf{Name: "a", At: at, Raw: []byte{1, 2}}
	values := []any{
		leaf,
		&storableRow{Leaf: leaf, Tags: []string{"x"}, Cells: map[string][]storableLeaf{"k": {leaf, leaf}}, Next: &leaf},
		map[string]map[string][]map[int][]time.Time{"a": {"b": {{1: {at}}}}},
		[][][][][]storableLeaf{{{{{leaf}}}}},
	}
	for _, v := range values {
		d := storableDepth(reflect.TypeOf(v))
		require.Positive(t, d, "%T", v)
		b, err := EncodeData(v)
		require.NoError(t, err)
		least := 4 // the decoder's smallest limit
		for ; least <= maxNestedLevels; least++ {
			dm, err := cbor.DecOptions{MaxNestedLevels: least}.DecMode()
			require.NoError(t, err)
			if dm.Wellformed(b) == nil {
				break
			}
		}
		if least > 4 {
			require.GreaterOrEqual(t, d, least, "%T: the bound is below the decoder's count", v)
		}
		require.LessOrEqual(t, d, least+3, "%T: the bound is far above the decoder's count", v)
	}
}

// TestCheckStorable_ChecksTheBytesOfTypesNestedPastTheLimit: a type nested
// deeper than the decoder allows, and a type that bounds nothing, are
// still read and refused; a bounded type is not read.
func TestCheckStorable_ChecksTheBytesOfTypesNestedPastTheLimit(t *testing.T) {
	deep := reflect.TypeFor[int]()
	for range maxNestedLevels + 2 {
		deep = reflect.SliceOf(deep)
	}
	v := reflect.New(deep).Elem()
	cur := v
	for cur.Kind() == reflect.Slice {
		cur.Set(reflect.MakeSlice(cur.Type(), 1, 1))
		cur = cur.Index(0)
	}
	b, err := EncodeData(v.Interface())
	require.NoError(t, err)
	require.ErrorIs(t, checkStorable(v.Interface(), b), ErrUnstorableData, "a list nested %d deep", maxNestedLevels+2)

	var tree *storableTree
	for range maxNestedLevels + 2 {
		tree = &storableTree{Label: "n", Kids: []*storableTree{tree}}
	}
	b, err = EncodeData(tree)
	require.NoError(t, err)
	require.ErrorIs(t, checkStorable(tree, b), ErrUnstorableData, "a recursive type is read")

	garbage := []byte{0x9f} // not what a bounded type encodes to: not read
	require.NoError(t, checkStorable(storableLeaf{}, garbage))
	require.True(t, errors.Is(checkStorable(storableAny{}, garbage), ErrUnstorableData), "an unbounded type is read")
}

// BenchmarkCheckStorable_Ticker: what a durable store's commit pays to
// check the ticker fixture's data against the decoding limits, reading
// its encoding (read) or from its type (type: after the first call, one
// cached lookup).
//
//	go test -run '^$' -bench 'CheckStorable_Ticker' ./session
func BenchmarkCheckStorable_Ticker(b *testing.B) {
	d := fixture.NewMarket(1).NewTickerTab(fixture.TickerWatchlist(3)...)
	enc, err := EncodeData(d)
	require.NoError(b, err)
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			if err := CheckStorable(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("type", func(b *testing.B) {
		for b.Loop() {
			if err := checkStorable(d, enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
