package redis

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/fault"
	"github.com/livefir/statetemplate/session"
)

// TestDecodeValue_EverySingleByteChangeIsDetected changes each byte of a
// stored value, plain and compressed, to each of its 255 other values:
// every change must fail the read as a corrupt record.
func TestDecodeValue_EverySingleByteChangeIsDetected(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	data, err := session.EncodeData(map[string]any{"title": strings.Repeat("tasks ", 8), "n": 42})
	require.NoError(t, err)
	_, st, err := fragments.Diff(nil, []byte(`<body><h1 id="t">Tasks</h1><ul id="l"><li id="a">a</li><li id="b">b</li></ul></body>`))
	require.NoError(t, err)
	rec := &session.Record{Format: session.FormatVersion, ID: session.ID{1, 2, 3}, Rev: 7, KeyID: 9,
		Created: now, LastAccess: now, ExpiresAt: now.Add(time.Hour), DataType: "map", Data: data, Fragments: st}
	for _, tc := range []struct {
		name          string
		compressAbove int
	}{{"plain", -1}, {"compressed", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := encodeValue(rec, tc.compressAbove)
			require.NoError(t, err)
			got, err := decodeValue(v, 1<<20)
			require.NoError(t, err)
			require.Equal(t, rec.Rev, got.Rev)
			undetected := 0
			fault.EachByteChange(v, func(flipped []byte, _ int) {
				if _, err := decodeValue(flipped, 1<<20); err == nil {
					undetected++
				} else {
					require.ErrorIs(t, err, session.ErrCorruptRecord)
				}
			})
			t.Logf("%d single-byte changes of a %d-byte value, %d undetected", len(v)*255, len(v), undetected)
			require.Zero(t, undetected, "of %d single-byte changes of a %d-byte value", len(v)*255, len(v))
		})
	}
}
