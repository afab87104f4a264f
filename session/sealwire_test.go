package session

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cborFields returns the fields of t that the codec encodes, by key, as
// their Go type and tag.
func cborFields(t reflect.Type) map[string]string {
	out := make(map[string]string)
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("cbor")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		out[strings.Split(tag, ",")[0]] = f.Type.String() + " " + tag
	}
	return out
}

// TestRecordWire_HeadAndTailHoldEveryFieldButTheState: the spliced
// encoding's head and tail hold every field of Record but its fragment
// state, each with the Record's type and tag, the head's keys all below
// the state's and the tail's above: a field added to Record and not to
// them fails here.
func TestRecordWire_HeadAndTailHoldEveryFieldButTheState(t *testing.T) {
	rec := cborFields(reflect.TypeFor[Record]())
	head, tail := cborFields(reflect.TypeFor[recordHead]()), cborFields(reflect.TypeFor[recordTail]())
	got := map[string]string{strconv.Itoa(stateKey): rec[strconv.Itoa(stateKey)]}
	for k, v := range head {
		n, err := strconv.Atoi(k)
		require.NoError(t, err)
		require.Less(t, n, stateKey, "head key %s", k)
		got[k] = v
	}
	for k, v := range tail {
		n, err := strconv.Atoi(k)
		require.NoError(t, err)
		require.Greater(t, n, stateKey, "tail key %s", k)
		got[k] = v
	}
	require.Equal(t, rec, got)
	require.Less(t, len(rec), 24, "one byte of map head")
}

// TestEncodeSpliced_IsTheCodecsEncodingOfTheRecord: the spliced bytes are
// the codec's encoding of the Record, with and without each optional
// field and the state.
func TestEncodeSpliced_IsTheCodecsEncodingOfTheRecord(t *testing.T) {
	at := time.Date(2026, 12, 2, 16, 0, 0, 5, time.UTC)
	st := []byte{0x82, 0x01, 0x41, 0xff} // any well-formed item stands for a state
	for _, r := range []Record{
		{Format: FormatVersion, Rev: 3, Created: at, LastAccess: at, ExpiresAt: at, DataType: "x", Data: []byte{0xa0}},
		{Format: FormatVersion, KeyID: 7, TokenGen: 2, Rev: 1 << 40, IdleTimeout: time.Minute,
			Template: "t", Lease: at.Add(time.Hour), Title: "Tïtle", Data: []byte{0x01}},
	} {
		for _, state := range [][]byte{nil, st} {
			var want bytes.Buffer
			require.NoError(t, getCodec().enc.MarshalToBuffer(recordWire{Record: &r, Fragments: state}, &want))
			got, ok := appendSpliced([]byte("header"), &r, state)
			require.True(t, ok)
			require.Equal(t, "header", string(got[:6]), "what the buffer held stays")
			require.Equal(t, want.Bytes(), got[6:], "state %x", state)
		}
	}
}

// TestAppendSpliced_EveryFieldOfRecordIsWritten: a Record with every
// field set, by reflection, to a value that is not its zero is spliced
// as the codec encodes it: a field added to Record (and to recordHead
// or recordTail) that appendSpliced does not write fails here.
func TestAppendSpliced_EveryFieldOfRecordIsWritten(t *testing.T) {
	var r Record
	at := time.Date(2026, 12, 2, 23, 0, 0, 7, time.FixedZone("z", 90*60))
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		tag := sf.Tag.Get("cbor")
		if tag == "" || tag == "-" || strings.HasPrefix(tag, strconv.Itoa(stateKey)+",") {
			continue
		}
		switch f.Interface().(type) {
		case time.Time:
			f.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Hour)))
		case time.Duration:
			f.SetInt(-int64(i) * int64(time.Second))
		case string:
			f.SetString(sf.Name + " ü")
		case []byte:
			f.SetBytes([]byte(sf.Name))
		case ID:
			f.Set(reflect.ValueOf(ID{1, 2, 3, byte(i)}))
		default:
			switch f.Kind() {
			case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				f.SetUint(uint64(1000 + i))
			default:
				t.Fatalf("Record.%s: a field of a type this test does not set (%s): set it, and write it in appendSpliced", sf.Name, f.Type())
			}
		}
		require.False(t, f.IsZero(), "Record.%s is set", sf.Name)
	}
	state := []byte{0x41, 0x00}
	var want bytes.Buffer
	require.NoError(t, getCodec().enc.MarshalToBuffer(recordWire{Record: &r, Fragments: state}, &want))
	got, ok := appendSpliced(nil, &r, state)
	require.True(t, ok)
	require.Equal(t, want.Bytes(), got)
}

// TestAppendSpliced_AnEmptyStateIsNoState: the codec omits an empty
// cbor.RawMessage as it omits a nil one; so does appendSpliced, which
// otherwise wrote key 11 with no value, a record that does not decode.
func TestAppendSpliced_AnEmptyStateIsNoState(t *testing.T) {
	r := Record{Format: FormatVersion, ID: ID{7}, Created: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC), Title: "t"}
	var want bytes.Buffer
	require.NoError(t, getCodec().enc.MarshalToBuffer(recordWire{Record: &r, Fragments: []byte{}}, &want))
	got, ok := appendSpliced(nil, &r, []byte{})
	require.True(t, ok)
	require.Equal(t, want.Bytes(), got)
	back, err := DecodeRecord(got)
	require.NoError(t, err)
	require.Nil(t, back.Fragments)
}

// TestAppendSpliced_TimesAreTheCodecsInEveryZone: times at RFC 3339's
// year boundaries, with nanoseconds, a monotonic clock reading or none,
// in fixed, local and named zones (offsets with seconds, of a day or
// more): spliced as the codec writes them, refused where it refuses them.
func TestAppendSpliced_TimesAreTheCodecsInEveryZone(t *testing.T) {
	instants := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 3, 3, 4, 5, 120000000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Now(), // with a monotonic clock reading
		time.Now().Round(0),
	}
	refused := 0
	for _, loc := range fuzzZones(t) {
		for _, at := range instants {
			at := at.In(loc)
			r := Record{Format: FormatVersion, ID: ID{1}, Created: at, LastAccess: at, ExpiresAt: at, Lease: at}
			var want bytes.Buffer
			werr := getCodec().enc.MarshalToBuffer(recordWire{Record: &r}, &want)
			got, ok := appendSpliced(nil, &r, nil)
			require.Equal(t, werr == nil, ok, "%v: %v", at, werr)
			if !ok {
				refused++
				continue
			}
			require.Equal(t, want.Bytes(), got, "%v", at)
		}
	}
	require.NotZero(t, refused, "some times lie beyond RFC 3339")
}
