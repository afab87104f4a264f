package session_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
)

// stateOf returns the fragment state of a page whose body holds the
// elements of ids.
func stateOf(t testing.TB, ids ...string) *fragments.State {
	t.Helper()
	var b strings.Builder
	b.WriteString("<body>")
	for _, id := range ids {
		fmt.Fprintf(&b, `<p id="%s">%s</p>`, id, id)
	}
	b.WriteString("</body>")
	st, err := fragments.NewState([]byte(b.String()))
	require.NoError(t, err)
	return st
}

var sealHeader = []byte{0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

func TestSealer_SealsAsTheCodecEncodesTheRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(r *session.Record)
	}{
		{"sample", func(*session.Record) {}},
		{"no fragment state", func(r *session.Record) { r.Fragments = nil }},
		{"no data", func(r *session.Record) { r.Data = nil }},
		{"every optional field", func(r *session.Record) {
			r.Template, r.Title, r.Lease = "other", "Tïtle \xff", r.ExpiresAt.Add(-time.Second)
		}},
		{"zero times and durations", func(r *session.Record) {
			r.Created, r.LastAccess, r.ExpiresAt, r.IdleTimeout = time.Time{}, time.Time{}, time.Time{}, 0
		}},
		{"a time in a zone", func(r *session.Record) { r.LastAccess = r.LastAccess.In(time.FixedZone("X", -5*3600)) }},
		{"an older format number", func(r *session.Record) { r.Format = 0 }},
		{"a larger state", func(r *session.Record) { r.Fragments = stateOf(t, "a", "b", "c", "d", "e", "f") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRecord(t)
			tc.edit(r)
			want, err := session.EncodeRecordByReflection(r)
			require.NoError(t, err)
			got, err := session.EncodeRecord(r)
			require.NoError(t, err)
			require.Equal(t, want, got, "EncodeRecord")
			sealed, err := session.SealRecord(sealHeader, r)
			require.NoError(t, err)
			require.Equal(t, session.SealValue(sealHeader, want), sealed, "SealRecord")
			var s session.Sealer
			for range 2 { // the second from the Sealer's encoding of the state
				batch, err := s.Seal(sealHeader, r)
				require.NoError(t, err)
				require.Equal(t, sealed, batch, "Sealer.Seal")
			}
		})
	}
}

func TestSealer_RecordsSharingAStateSealAsEachAlone(t *testing.T) {
	shared := stateOf(t, "x", "y")
	a, b := sampleRecord(t), sampleRecord(t)
	a.Fragments, b.Fragments = shared, shared
	b.Rev, b.Title = 10, "b"
	var s session.Sealer
	for _, r := range []*session.Record{a, b, a} {
		alone, err := session.SealRecord(sealHeader, r)
		require.NoError(t, err)
		got, err := s.Seal(sealHeader, r)
		require.NoError(t, err)
		require.Equal(t, alone, got)
		back, err := session.DecodeRecord(got[len(sealHeader)+session.ChecksumLen:])
		require.NoError(t, err)
		require.Equal(t, r.ID, back.ID)
		require.Equal(t, shared.IDs, back.Fragments.IDs)
	}
}

func TestSealer_NeverGivesOneStatesEncodingToAnother(t *testing.T) {
	first := stateOf(t, "a", "b")
	copied := *first // another State at another address, then changed
	copied.PageHash++
	for _, tc := range []struct {
		name   string
		second *fragments.State
	}{
		{"a different page", stateOf(t, "c")},
		{"an equal page", stateOf(t, "a", "b")},
		{"a changed copy", &copied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s session.Sealer
			r1, r2 := sampleRecord(t), sampleRecord(t)
			r1.Fragments, r2.Fragments = first, tc.second
			_, err := s.Seal(sealHeader, r1)
			require.NoError(t, err)
			got, err := s.Seal(sealHeader, r2)
			require.NoError(t, err)
			want, err := session.EncodeRecordByReflection(r2)
			require.NoError(t, err)
			require.Equal(t, session.SealValue(sealHeader, want), got)
			back, err := session.DecodeRecord(got[len(sealHeader)+session.ChecksumLen:])
			require.NoError(t, err)
			require.Equal(t, tc.second.PageHash, back.Fragments.PageHash)
			require.Equal(t, tc.second.IDs, back.Fragments.IDs)
		})
	}
}

func TestSealer_StateBeyondTheDecodingLimitsIsUnstorableEveryTime(t *testing.T) {
	ids := make([]string, 1<<17+1)
	for i := range ids {
		ids[i] = fmt.Sprint("f", i)
	}
	huge := stateOf(t, ids...)
	r := sampleRecord(t)
	r.Fragments = huge
	var s session.Sealer
	for range 2 { // the second from the Sealer's record of the failure
		_, err := s.Seal(sealHeader, r)
		require.ErrorIs(t, err, session.ErrUnstorableData)
		require.Contains(t, err.Error(), "a list of more than 131072 items")
	}
	_, err := session.EncodeRecord(r)
	require.ErrorIs(t, err, session.ErrUnstorableData)
	ok := sampleRecord(t)
	got, err := s.Seal(sealHeader, ok)
	require.NoError(t, err, "a record of another state seals after a failed one")
	want, err := session.SealRecord(sealHeader, ok)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func TestSealer_SealIntoBuildsInABufferWithRoomTheBytesSealMakes(t *testing.T) {
	r := sampleRecord(t)
	want, err := session.SealRecord(sealHeader, r)
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		buf   []byte
		inBuf bool
	}{
		{"nil", nil, false},
		{"too small", make([]byte, 3, 16), false},
		{"room, dirty", bytes.Repeat([]byte{0xff}, 2*len(want)+512), true},
		{"room, empty", make([]byte, 0, 2*len(want)+512), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := tc.buf
			var s session.Sealer
			got, err := s.SealInto(buf, sealHeader, r)
			require.NoError(t, err)
			require.Equal(t, want, got)
			if tc.inBuf {
				require.Same(t, &buf[:1][0], &got[0], "built in the buffer's array")
			}
			_, body, err := session.OpenValue(got, len(sealHeader))
			require.NoError(t, err, "the checksum covers what was built")
			back, err := session.DecodeRecord(body)
			require.NoError(t, err)
			require.Equal(t, r.Rev, back.Rev)
		})
	}
}
