package bolt

import (
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
	f.Add(r.ID[:], v[:valueHeader])
	f.Add(r.ID[:], []byte{})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		var id session.ID
		copy(id[:], key)
		rec, err := decodeValue(id, value)
		if err != nil {
			require.ErrorIs(t, err, session.ErrCorruptRecord)
			require.Nil(t, rec)
			return
		}
		require.Equal(t, id, rec.ID)
		h, herr := readHeader(value)
		require.NoError(t, herr)
		_ = h
	})
}
