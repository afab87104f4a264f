package bolt

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// FuzzDecodeValue feeds arbitrary bytes where a sessions value belongs:
// a damaged file must give an ErrCorruptRecord error, never a panic.
func FuzzDecodeValue(f *testing.F) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := newRec(f, now, time.Hour, "seed")
	v, err := encodeValue(r)
	require.NoError(f, err)
	f.Add(r.ID[:], v)
	f.Add(r.ID[:], v[:headerLen])
	f.Add(r.ID[:], []byte{})
	f.Add(r.ID[:], append(bytes.Clone(v[1:headerLen]), v[headerLen+session.ChecksumLen:]...)) // its layout-1 form
	f.Fuzz(func(t *testing.T, key, value []byte) {
		var id session.ID
		copy(id[:], key)
		for _, legacy := range []bool{false, true} {
			rec, err := decodeValue(id, value, legacy)
			if err != nil {
				require.ErrorIs(t, err, session.ErrCorruptRecord)
				require.Nil(t, rec)
				continue
			}
			require.Equal(t, id, rec.ID)
			h, herr := readHeader(value, legacy)
			require.NoError(t, herr)
			require.Equal(t, rec.Rev, h.rev)
			require.True(t, legacy || !h.legacy, "a layout-2 store read a layout-1 value")
		}
	})
}
