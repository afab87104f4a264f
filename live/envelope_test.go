package live

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

const testSessionID = "0123456789abcdef0123456789abcdef"

func validEnvelope(t testing.TB) envelope {
	t.Helper()
	raw, err := session.EncodeData(map[string]int{"price": 7})
	require.NoError(t, err)
	return envelope{Origin: "abc", Topic: "quotes", At: 1, Payload: raw}
}

func TestEnvelope_RoundTrips(t *testing.T) {
	e := validEnvelope(t)
	e.Session = testSessionID
	b, err := encodeEnvelope(e)
	require.NoError(t, err)
	got, err := decodeEnvelope(b)
	require.NoError(t, err)
	e.Version = envelopeVersion
	assert.Equal(t, e, got)
}

func TestDecodeEnvelope_RefusesWhatIsNotAPublish(t *testing.T) {
	encode := func(mod func(*envelope)) []byte {
		e := validEnvelope(t)
		mod(&e)
		b, err := session.EncodeData(&e)
		require.NoError(t, err)
		return b
	}
	good, err := encodeEnvelope(validEnvelope(t))
	require.NoError(t, err)
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not CBOR", []byte("hello")},
		{"truncated", good[:len(good)-3]},
		{"trailing garbage", append(append([]byte{}, good...), 0x01)},
		{"no version", encode(func(*envelope) {})},
		{"newer version", encode(func(e *envelope) { e.Version = envelopeVersion + 1 })},
		{"no origin", encode(func(e *envelope) { e.Version, e.Origin = envelopeVersion, "" })},
		{"no payload", encode(func(e *envelope) { e.Version, e.Payload = envelopeVersion, nil })},
		{"bad topic", encode(func(e *envelope) { e.Version, e.Topic = envelopeVersion, "a*" })},
		{"bad session", encode(func(e *envelope) { e.Version, e.Session = envelopeVersion, "../x" })},
		{"too large", make([]byte, maxEnvelopeBytes+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeEnvelope(tc.in)
			assert.ErrorIs(t, err, ErrBadEnvelope)
		})
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	good, err := encodeEnvelope(validEnvelope(f))
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte{})
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEnvelope(b)
		if err != nil {
			if !errors.Is(err, ErrBadEnvelope) {
				t.Fatalf("error %v does not wrap ErrBadEnvelope", err)
			}
			return
		}
		if e.Version != envelopeVersion || e.Origin == "" || len(e.Payload) == 0 || validTopic(e.Topic) != nil {
			t.Fatalf("accepted %+v", e)
		}
	})
}
