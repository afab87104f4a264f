package fragments

import "github.com/cespare/xxhash/v2"

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// HashHTML returns the html_hash of html: the FNV-1a 64-bit hash of its
// UTF-8 bytes as 16 lower-case hexadecimal digits, zero-padded. The
// browser client computes the same function to verify an update.
func HashHTML(html string) string {
	h := uint64(fnvOffset64)
	for i := 0; i < len(html); i++ {
		h ^= uint64(html[i])
		h *= fnvPrime64
	}
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[h&0xf]
		h >>= 4
	}
	return string(b[:])
}

// pageHash is the server-side hash of a whole page. It is never sent, so it
// uses the faster xxhash rather than FNV-1a.
func pageHash(page []byte) uint64 { return xxhash.Sum64(page) }
