// Package cborpath finds the byte ranges of the data items inside a CBOR
// encoding (RFC 8949) without decoding them: the length of an item, the
// elements of an array and the entries of a map. The incremental renderer
// keys each part of a page by the exact bytes of the data it reads, which
// are sub-ranges of the one canonical encoding a session computes anyway.
//
// github.com/fxamacker/cbor/v2, the codec, decodes items but does not
// report where nested items sit; this package does only that, and its fuzz
// test checks that it agrees with the codec on every input.
//
// Every function takes untrusted bytes safely: malformed input, a count
// that overruns the input, or nesting deeper than MaxDepth yields an error
// wrapping ErrMalformed, never a panic. Costs are linear in the bytes
// walked; strings are skipped in constant time.
package cborpath
