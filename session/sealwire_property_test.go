package session

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate/fragments"
)

// cborLengths are the lengths at which a CBOR head grows: 0–23 fit in the
// head's byte, then one, two, four more bytes.
var cborLengths = []int{0, 1, 23, 24, 255, 256, 65535, 65536}

// drawBytes draws nil or a byte string of a length at or near a CBOR head
// boundary, its bytes any (invalid UTF-8 included).
func drawBytes(t *rapid.T, name string, nilOK bool) []byte {
	if nilOK && rapid.Bool().Draw(t, name+"Nil") {
		return nil
	}
	n := rapid.SampledFrom(cborLengths).Draw(t, name+"Len") + rapid.IntRange(-1, 1).Draw(t, name+"Off")
	b := bytes.Repeat([]byte{rapid.Byte().Draw(t, name+"Fill")}, max(n, 0))
	copy(b, rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, name+"Start"))
	return b
}

// drawRecordTime draws a zero time or one in a zone, with nanoseconds.
func drawRecordTime(t *rapid.T, name string) time.Time {
	if rapid.IntRange(0, 3).Draw(t, name+"Zero") == 0 {
		return time.Time{}
	}
	lo, hi, zone := int64(-62135596800), int64(253402300799), 14*60
	if rapid.IntRange(0, 7).Draw(t, name+"Wild") == 0 {
		// Years past 9999 or before 1, offsets of a day or more: times
		// RFC 3339 cannot write, which the codec refuses.
		lo, hi, zone = -1e12, 1e12, 30*60
	}
	at := time.Unix(rapid.Int64Range(lo, hi).Draw(t, name+"Sec"), rapid.Int64Range(0, 999999999).Draw(t, name+"Ns"))
	off := 60 * rapid.IntRange(-zone, zone).Draw(t, name+"Zone") // RFC 3339 keeps minutes
	if off == 0 {
		return at.UTC() // "+00:00" reads back as UTC, written "Z"
	}
	return at.In(time.FixedZone("z", off))
}

// drawState draws nil or the fragment state of a page of n elements.
func drawState(t *rapid.T) *fragments.State {
	if rapid.IntRange(0, 3).Draw(t, "noState") == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("<body>")
	for i := range rapid.IntRange(0, 40).Draw(t, "elements") {
		fmt.Fprintf(&b, `<p id="p%d">%s</p>`, i, strings.Repeat("x", rapid.SampledFrom(cborLengths[:6]).Draw(t, "text")))
	}
	b.WriteString("</body>")
	st, err := fragments.NewState([]byte(b.String()))
	if err != nil {
		t.Fatalf("state: %v", err)
	}
	return st
}

// drawRecord draws a record whose every field takes its extremes: ints
// over their whole range, times zero or in a zone, strings and byte
// strings crossing CBOR's length boundaries, optional fields absent.
func drawRecord(t *rapid.T, st *fragments.State) *Record {
	r := &Record{
		Format:      rapid.Uint8().Draw(t, "format"),
		KeyID:       rapid.Uint32().Draw(t, "keyID"),
		TokenGen:    rapid.Uint32().Draw(t, "tokenGen"),
		Rev:         rapid.Uint64().Draw(t, "rev"),
		Created:     drawRecordTime(t, "created"),
		LastAccess:  drawRecordTime(t, "lastAccess"),
		ExpiresAt:   drawRecordTime(t, "expiresAt"),
		IdleTimeout: time.Duration(rapid.Int64().Draw(t, "idle")) * time.Duration(rapid.IntRange(0, 1).Draw(t, "hasIdle")),
		DataType:    string(drawBytes(t, "dataType", false)),
		Data:        drawBytes(t, "data", true),
		Fragments:   st,
		Template:    string(drawBytes(t, "template", false)),
		Lease:       drawRecordTime(t, "lease"),
		Title:       string(drawBytes(t, "title", false)),
	}
	copy(r.ID[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "id"))
	return r
}

// TestSealer_PropertySealsAsTheCodecEncodesEveryRecord: records sealed
// one after another by one Sealer — some sharing a fragment state, built
// in one reused buffer — are each the codec's encoding of the whole
// record, sealed, and decode to it: the spliced map (head, key 11 and the
// state, tail) is byte for byte what the codec wrote before, and no
// record carries another's bytes.
func TestSealer_PropertySealsAsTheCodecEncodesEveryRecord(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		states := rapid.SliceOfN(rapid.Custom(drawState), 1, 3).Draw(t, "states")
		header := rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "header")
		var sl Sealer
		var buf []byte
		for i := range rapid.IntRange(1, 4).Draw(t, "records") {
			r := drawRecord(t, rapid.SampledFrom(states).Draw(t, fmt.Sprintf("state%d", i)))
			c := *r
			c.Format = FormatVersion
			want, err := getCodec().enc.Marshal(&c)
			if err != nil { // a time the codec cannot write: the Sealer fails too
				_, serr := sl.SealInto(buf, header, r)
				require.ErrorIs(t, serr, ErrUnstorableData)
				continue
			}
			got, err := sl.SealInto(buf, header, r)
			require.NoError(t, err)
			require.Equal(t, SealValue(header, want), got, "record %d", i)
			back, err := DecodeRecord(got[len(header)+ChecksumLen:])
			if r.ID.IsZero() {
				require.ErrorIs(t, err, ErrCorruptRecord)
			} else {
				require.NoError(t, err)
				again, err := getCodec().enc.Marshal(back)
				require.NoError(t, err)
				require.Equal(t, want, again, "record %d reads back as written", i)
			}
			buf = got // the next record overwrites this one's array
		}
	})
}

// TestEncodeSpliced_PropertyIsTheCodecsEncodingForAnyState: with any
// well-formed item as the state's encoding — of any length, crossing
// CBOR's length boundaries — the spliced bytes are the codec's encoding
// of the record with that item as key 11's value, after what the buffer
// held.
func TestEncodeSpliced_PropertyIsTheCodecsEncodingForAnyState(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := drawRecord(t, nil)
		var st []byte
		if rapid.Bool().Draw(t, "hasState") {
			var err error
			st, err = getCodec().enc.Marshal(drawBytes(t, "state", true))
			require.NoError(t, err)
		}
		var want bytes.Buffer
		werr := getCodec().enc.MarshalToBuffer(recordWire{Record: r, Fragments: st}, &want)
		prefix := rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "prefix")
		got, ok := appendSpliced(bytes.Clone(prefix), r, st)
		require.Equal(t, werr == nil, ok, "spliced where the codec writes, refused where it fails: %v", werr)
		require.Equal(t, prefix, got[:len(prefix)], "what the buffer held stays")
		if werr != nil {
			require.Len(t, got, len(prefix), "a refused record leaves nothing")
			return
		}
		require.Equal(t, want.Bytes(), got[len(prefix):])
	})
}
