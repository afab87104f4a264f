package session_test

import (
	"reflect"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

type EmbeddedInner struct {
	Name string
	Role string
}

type EmbeddedTagged struct{ Role string }

type shadowingPage struct {
	EmbeddedInner
	X string `json:"Role"`
}

type embeddingPage struct {
	EmbeddedInner
	*EmbeddedTagged `cbor:"tagged"`
	Title           string
}

// TestEncodedField_EmbeddedStructsAsTheCodecEncodesThem: an untagged
// embedded struct is not a key of the encoding (the codec encodes its
// fields in its parent's map), so .EmbeddedInner is no field of its own
// (a read of it reads the whole value); its promoted fields and a tagged
// embedded struct are keys. Each answer is checked against the encoding.
func TestEncodedField_EmbeddedStructsAsTheCodecEncodesThem(t *testing.T) {
	d := embeddingPage{EmbeddedInner: EmbeddedInner{Name: "ada", Role: "admin"}, EmbeddedTagged: &EmbeddedTagged{Role: "r"}, Title: "t"}
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, cbor.Unmarshal(enc, &m))
	typ := reflect.TypeOf(d)
	for _, tc := range []struct {
		name string
		key  string
		ok   bool
	}{
		{"EmbeddedInner", "", false},
		{"Name", "Name", true},
		{"Title", "Title", true},
		{"EmbeddedTagged", "tagged", true},
	} {
		key, _, ok := session.EncodedField(typ, tc.name)
		require.Equal(t, tc.ok, ok, tc.name)
		if !ok {
			_, there := m[tc.name]
			require.False(t, there, "%s is not a key of the encoding", tc.name)
			continue
		}
		require.Equal(t, tc.key, key, tc.name)
		require.Contains(t, m, key, tc.name)
	}
}

// TestEncodedField_AFieldTheCodecHidesIsNoKey: .Role reaches the embedded
// struct's Role, but the codec encodes X under "Role" (a tagged shallower
// field hides the deeper one): "Role" holds X's bytes, not what the
// template reads, so .Role is no field of its own; nor is .X, the field
// the codec keeps (stricter than the codec, as Shareable is).
func TestEncodedField_AFieldTheCodecHidesIsNoKey(t *testing.T) {
	typ := reflect.TypeFor[shadowingPage]()
	_, _, ok := session.EncodedField(typ, "Role")
	require.False(t, ok, "Role is encoded from another field")
	key, _, ok := session.EncodedField(typ, "Name")
	require.True(t, ok, "Name is encoded from the field .Name reaches")
	require.Equal(t, "Name", key)
	// X is what the codec encodes under "Role", but a hidden field shares
	// the name: no field of its own either, as strict as Shareable is.
	_, _, ok = session.EncodedField(typ, "X")
	require.False(t, ok)
}
