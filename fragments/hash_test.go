package fragments

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The browser client's FNV-1a implementation must give these same values
// (the first three are the published FNV-1a 64 test vectors; the others
// were computed independently).
func TestHashHTML_KnownVectors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "cbf29ce484222325"},
		{"a", "af63dc4c8601ec8c"},
		{"foobar", "85944171f73967e8"},
		{`<div id="counter">1</div>`, "4525d18d7c5e3a4d"},
		{"é€", "ba582a10a52c31b7"}, // UTF-8 bytes, not UTF-16 code units
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, HashHTML(tc.in), "%q", tc.in)
		assert.Len(t, HashHTML(tc.in), 16)
	}
}

func TestHashHTML_IsZeroPadded(t *testing.T) {
	// Search a short input whose hash has a leading zero nibble.
	for i := range 10000 {
		s := string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
		if h := HashHTML(s); h[0] == '0' {
			assert.Len(t, h, 16)
			return
		}
	}
	t.Fatal("no hash with a leading zero found")
}

func BenchmarkHashHTML_1KB(b *testing.B) {
	html := strings.Repeat(`<div id="task-1" class="item">x</div>`, 28)
	b.SetBytes(int64(len(html)))
	for b.Loop() {
		HashHTML(html)
	}
}
