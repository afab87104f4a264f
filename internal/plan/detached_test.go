package plan

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// TestDetached_StringIsItsEncoding checks detached's shortcut for strings
// against what it gives every other value: the type's name, then the
// session's encoding of the value.
func TestDetached_StringIsItsEncoding(t *testing.T) {
	for _, s := range []string{
		"", "users", strings.Repeat("a", 23), strings.Repeat("b", 24), strings.Repeat("c", 255),
		strings.Repeat("d", 256), strings.Repeat("f", 1<<16-1), strings.Repeat("e", 1<<16),
		"\xc3", "a\xed\xa0\x80b", // a cut sequence, an encoded surrogate
		"héllo, 世界", "\xff\xfe not UTF-8", "nul\x00inside",
	} {
		t.Run(fmt.Sprintf("%d bytes %q", len(s), s[:min(len(s), 12)]), func(t *testing.T) {
			r := &run{in: &Input{}}
			got, ok := r.detached(reflect.ValueOf(s))
			require.True(t, ok)
			enc, err := session.EncodeData(s)
			require.NoError(t, err)
			assert.Equal(t, append([]byte(reflect.TypeFor[string]().String()+"\x00"), enc...), got)
		})
	}
}

func TestDetached_StringOfUncapturedDataIsNotKeyed(t *testing.T) {
	r := &run{in: &Input{uncaptured: true}}
	_, ok := r.detached(reflect.ValueOf("users"))
	assert.False(t, ok, "nothing of data that is not captured is keyed")
}

// FuzzDetached_StringIsItsEncoding checks detached's shortcut against the
// session's encoder for any string, valid UTF-8 or not.
func FuzzDetached_StringIsItsEncoding(f *testing.F) {
	for _, s := range []string{"", "users", strings.Repeat("b", 24), "\xff\xfe", "a\xed\xa0\x80b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := &run{in: &Input{}}
		got, ok := r.detached(reflect.ValueOf(s))
		require.True(t, ok)
		enc, err := session.EncodeData(s)
		require.NoError(t, err)
		require.Equal(t, append([]byte("string\x00"), enc...), got)
	})
}
