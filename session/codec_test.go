package session_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/session"
)

type item struct {
	Title string
	Done  bool
	At    time.Time
}

type data struct {
	Name  string
	Items []item
	Stats map[string]int
	Ptr   *item
}

func sampleRecord(t testing.TB) *session.Record {
	t.Helper()
	loc := time.FixedZone("CET", 3600)
	d := &data{Name: "n", Items: []item{{Title: "a", At: time.Date(2026, 5, 6, 7, 8, 9, 10, loc)}},
		Stats: map[string]int{"x": 1}}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	_, st, err := fragments.Diff(nil, []byte(`<body><p id="a">x</p></body>`))
	require.NoError(t, err)
	now := time.Date(2026, 11, 25, 12, 0, 0, 999, time.UTC)
	return &session.Record{
		Format: session.FormatVersion, ID: session.NewID(), KeyID: 42, TokenGen: 2, Rev: 9,
		Created: now, LastAccess: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour),
		IdleTimeout: time.Minute, DataType: session.TypeName(d), Data: enc, Fragments: st, Value: d,
	}
}

func TestRecordCodec_RoundTripsEveryPersistedField(t *testing.T) {
	r := sampleRecord(t)
	b, err := session.EncodeRecord(r)
	require.NoError(t, err)
	got, err := session.DecodeRecord(b)
	require.NoError(t, err)
	again, err := session.EncodeRecord(got)
	require.NoError(t, err)
	require.Equal(t, b, again, "encoding is deterministic and decoding loses nothing")

	require.Nil(t, got.Value, "the decoded value is never encoded")
	for _, p := range [][2]time.Time{{r.Created, got.Created}, {r.LastAccess, got.LastAccess}, {r.ExpiresAt, got.ExpiresAt}} {
		require.True(t, p[0].Equal(p[1]))
	}
	want := *r
	want.Value = nil
	want.Created, want.LastAccess, want.ExpiresAt = got.Created, got.LastAccess, got.ExpiresAt
	require.Equal(t, &want, got)
}

func TestDecodeRecord_DamageIsCorruptNeverPanic(t *testing.T) {
	b, err := session.EncodeRecord(sampleRecord(t))
	require.NoError(t, err)
	newer := sampleRecord(t)
	newerB, _ := session.EncodeRecord(newer)
	newerB = bytes.Replace(newerB, []byte{0x00, 0x01}, []byte{0x00, 0x09}, 1) // format 9
	zeroID := sampleRecord(t)
	zeroID.ID = session.ID{}
	zeroB, _ := session.EncodeRecord(zeroID)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated", b[:len(b)/2]},
		{"trailing garbage", append(bytes.Clone(b), 0x00)},
		{"not CBOR", []byte("hello, world")},
		{"a CBOR string", []byte{0x63, 'a', 'b', 'c'}},
		{"newer format", newerB},
		{"zero ID", zeroB},
		{"deep nesting", bytes.Repeat([]byte{0x81}, 200)},
		{"huge array claim", []byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := session.DecodeRecord(tc.b)
			require.ErrorIs(t, err, session.ErrCorruptRecord)
		})
	}
	for i := range b { // every single flipped byte: an error or a valid record, never a panic
		bad := bytes.Clone(b)
		bad[i] ^= 0xff
		if r, err := session.DecodeRecord(bad); err == nil {
			require.False(t, r.ID.IsZero())
		} else {
			require.ErrorIs(t, err, session.ErrCorruptRecord)
		}
	}
}

func TestEncodeData_EqualDataEqualBytes(t *testing.T) {
	a := &data{Name: "x", Stats: map[string]int{"a": 1, "b": 2, "c": 3}}
	b := &data{Name: "x", Stats: map[string]int{"c": 3, "b": 2, "a": 1}}
	ea, err := session.EncodeData(a)
	require.NoError(t, err)
	eb, err := session.EncodeData(b)
	require.NoError(t, err)
	require.Equal(t, ea, eb, "map order does not matter")
	b.Stats["a"] = 9
	eb, _ = session.EncodeData(b)
	require.NotEqual(t, ea, eb)
}

func TestEncodeData_UnencodableFails(t *testing.T) {
	_, err := session.EncodeData(map[string]any{"ch": make(chan int)})
	require.Error(t, err)
}

func TestTypes_RestoreConcreteTypes(t *testing.T) {
	var ts session.Types
	require.NoError(t, ts.Register(&data{}, item{}))
	require.True(t, ts.Registered(&data{}))
	require.False(t, ts.Registered(data{}), "a pointer and its element are different types")

	r := sampleRecord(t)
	v, err := ts.Decode(r.DataType, r.Data)
	require.NoError(t, err)
	require.IsType(t, &data{}, v)
	got := v.(*data)
	want := r.Value.(*data)
	require.Equal(t, want.Name, got.Name)
	require.True(t, want.Items[0].At.Equal(got.Items[0].At))
	require.Equal(t, want.Items[0].At.Format(time.RFC3339Nano), got.Items[0].At.Format(time.RFC3339Nano),
		"times keep their offset")

	enc, _ := session.EncodeData(item{Title: "t"})
	v, err = ts.Decode(session.TypeName(item{}), enc)
	require.NoError(t, err)
	require.Equal(t, item{Title: "t"}, v)

	_, err = ts.Decode("example.com/unknown.Type", enc)
	require.ErrorIs(t, err, session.ErrUnregisteredType)
	_, err = ts.Decode(session.TypeName(&data{}), []byte{0xff})
	require.ErrorIs(t, err, session.ErrCorruptRecord)
	require.Error(t, ts.Register(nil))
}

func TestTypeName(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{&data{}, "*github.com/livefir/statetemplate/session_test.data"},
		{item{}, "github.com/livefir/statetemplate/session_test.item"},
		{map[string]int{}, "map[string]int"},
		{3, "int"},
		{nil, "nil"},
	} {
		require.Equal(t, tc.want, session.TypeName(tc.v))
	}
}

func TestID_ParseAndFormat(t *testing.T) {
	id := session.NewID()
	require.False(t, id.IsZero())
	require.NotEqual(t, id, session.NewID())
	got, err := session.ParseID(id.String())
	require.NoError(t, err)
	require.Equal(t, id, got)
	require.Equal(t, id.String()[:8], id.Short())
	for _, bad := range []string{"", "xyz", id.String()[:31], id.String() + "0", "zz" + id.String()[2:]} {
		_, err := session.ParseID(bad)
		require.ErrorIs(t, err, session.ErrInvalidSessionID, bad)
	}
}

func TestRecord_DeadlineAndExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		idle     time.Duration
		last     time.Time
		deadline time.Time
	}{
		{"no idle timeout: absolute", 0, now, now.Add(time.Hour)},
		{"idle deadline first", 10 * time.Minute, now, now.Add(10 * time.Minute)},
		{"absolute first", 10 * time.Minute, now.Add(55 * time.Minute), now.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &session.Record{LastAccess: tc.last, ExpiresAt: now.Add(time.Hour), IdleTimeout: tc.idle}
			require.Equal(t, tc.deadline, r.Deadline())
			require.False(t, r.Expired(tc.deadline.Add(-time.Nanosecond)))
			require.True(t, r.Expired(tc.deadline))
		})
	}
}
