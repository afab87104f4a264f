package session

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
)

func packTestRecord(t *testing.T, typ string, withState bool) *Record {
	t.Helper()
	items := make([]string, 100)
	for i := range items {
		items[i] = fmt.Sprintf("item %d of the list", i)
	}
	enc, err := EncodeData(map[string]any{"type": typ, "items": items})
	require.NoError(t, err)
	rec := &Record{Format: FormatVersion, ID: NewID(), Rev: 3, DataType: typ, Data: enc, Memo: "memo", Value: "value"}
	if withState {
		_, st, err := fragments.Diff(nil, []byte(`<body><ul id="l"><li id="a">a</li><li id="b">b</li></ul></body>`))
		require.NoError(t, err)
		rec.Fragments = st
	}
	return rec
}

func TestPack_RoundTripsDataAndStateAndDropsOnlyTheMemo(t *testing.T) {
	for _, withState := range []bool{true, false} {
		t.Run(fmt.Sprint("state=", withState), func(t *testing.T) {
			var p packer
			rec := packTestRecord(t, "T", withState)
			packed, err := p.pack(rec)
			require.NoError(t, err)
			assert.True(t, packed.Packed())
			assert.Nil(t, packed.Data)
			assert.Nil(t, packed.Fragments)
			assert.Nil(t, packed.Memo)
			assert.Equal(t, "value", packed.Value)
			assert.Equal(t, rec.Rev, packed.Rev)

			back, err := packed.unpacked()
			require.NoError(t, err)
			assert.False(t, back.Packed())
			assert.Equal(t, rec.Data, back.Data)
			assert.Equal(t, rec.Fragments, back.Fragments)
			assert.False(t, rec.Packed(), "packing copies: the original is untouched")
			assert.Equal(t, "memo", rec.Memo)
		})
	}
}

func TestPack_PastTheDictionaryLimitPacksWithoutOne(t *testing.T) {
	var p packer
	for i := range maxPackDicts + 3 {
		rec := packTestRecord(t, fmt.Sprint("T", i), true)
		packed, err := p.pack(rec)
		require.NoError(t, err)
		if i >= maxPackDicts {
			assert.Same(t, noDict, packed.packDict, "record %d", i)
		} else {
			assert.NotSame(t, noDict, packed.packDict, "record %d", i)
		}
		back, err := packed.unpacked()
		require.NoError(t, err)
		assert.Equal(t, rec.Data, back.Data, "record %d", i)
	}
	assert.Len(t, p.dicts, maxPackDicts)
}

func TestPack_SharesTheDictionaryOfADataTypeAndTemplate(t *testing.T) {
	var p packer
	a, err := p.pack(packTestRecord(t, "T", true))
	require.NoError(t, err)
	like := packTestRecord(t, "T", true)
	b, err := p.pack(like)
	require.NoError(t, err)
	other := packTestRecord(t, "T", true)
	other.Template = "other"
	c, err := p.pack(other)
	require.NoError(t, err)
	assert.Same(t, a.packDict, b.packDict)
	assert.NotSame(t, a.packDict, c.packDict)
	assert.Less(t, len(b.packed), len(like.Data)/4, "a body like the dictionary packs to a few bytes")
}

func TestUnpacked_DamagedPackedFormIsACorruptRecord(t *testing.T) {
	var p packer
	packed, err := p.pack(packTestRecord(t, "T", true))
	require.NoError(t, err)
	packed.packed = packed.packed[:len(packed.packed)/2]
	_, err = packed.unpacked()
	require.ErrorIs(t, err, ErrCorruptRecord)
	_, err = EncodeRecord(packed)
	require.ErrorIs(t, err, ErrUnstorableData)
	require.ErrorIs(t, err, ErrCorruptRecord)
}
