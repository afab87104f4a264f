package session_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fault"
	"github.com/livefir/statetemplate/session"
)

func TestSealValue_OpensToItsHeaderAndBody(t *testing.T) {
	v := session.SealValue([]byte{0x02, 0x07}, []byte("record"))
	require.Len(t, v, 2+session.ChecksumLen+len("record"))
	h, body, err := session.OpenValue(v, 2)
	require.NoError(t, err)
	require.Equal(t, []byte{0x02, 0x07}, h)
	require.Equal(t, []byte("record"), body)
}

func TestOpenValue_AnyChangedByteOrAShortValueIsCorrupt(t *testing.T) {
	v := session.SealValue([]byte{1, 2, 3}, []byte("a record body of some length"))
	fault.EachByteChange(v, func(c []byte, i int) {
		_, _, err := session.OpenValue(c, 3)
		require.ErrorIs(t, err, session.ErrCorruptRecord, "byte %d set to %#02x", i, c[i])
	})
	for n := range 3 + session.ChecksumLen {
		_, _, err := session.OpenValue(v[:n], 3)
		require.ErrorIs(t, err, session.ErrCorruptRecord, "%d bytes", n)
	}
}

func TestSealRecord_IsSealValueOfTheEncodedRecord(t *testing.T) {
	r := sampleRecord(t)
	body, err := session.EncodeRecord(r)
	require.NoError(t, err)
	v, err := session.SealRecord([]byte{9, 8}, r)
	require.NoError(t, err)
	require.Equal(t, session.SealValue([]byte{9, 8}, body), v)
}
