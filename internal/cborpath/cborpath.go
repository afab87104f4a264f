package cborpath

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error: the bytes are not a well-formed
// CBOR data item (RFC 8949 §5.3.1), or nest deeper than MaxDepth.
var ErrMalformed = errors.New("cborpath: malformed CBOR")

// MaxDepth bounds the nesting of arrays, maps and tags that Len follows.
const MaxDepth = 64

// ErrTooDeep wraps ErrMalformed for items nested deeper than MaxDepth.
var ErrTooDeep = fmt.Errorf("%w: nested deeper than %d", ErrMalformed, MaxDepth)

// Major types (RFC 8949 §3.1).
const (
	majorUint  = 0
	majorNint  = 1
	majorBytes = 2
	majorText  = 3
	majorArray = 4
	majorMap   = 5
	majorTag   = 6
	majorOther = 7
)

// Null is the encoding of nil (simple value 22).
const Null = 0xf6

// Range is the byte range [Start, End) of one data item in an encoding.
type Range struct{ Start, End int }

// Len returns the length in bytes of the data item at the start of b.
func Len(b []byte) (int, error) {
	return skip(b, 0, 0)
}

// head decodes the initial byte and argument of the item at b[off]:
// its major type, its argument, and the offset after the head. For an
// indefinite length (additional information 31) it reports indef.
func head(b []byte, off int) (major byte, arg uint64, next int, indef bool, err error) {
	if off >= len(b) {
		return 0, 0, 0, false, fmt.Errorf("%w: truncated at byte %d", ErrMalformed, off)
	}
	ib := b[off]
	major, ai := ib>>5, ib&0x1f
	off++
	switch {
	case ai < 24:
		return major, uint64(ai), off, false, nil
	case ai <= 27:
		n := 1 << (ai - 24)
		if len(b)-off < n {
			return 0, 0, 0, false, fmt.Errorf("%w: truncated head at byte %d", ErrMalformed, off-1)
		}
		for _, c := range b[off : off+n] {
			arg = arg<<8 | uint64(c)
		}
		return major, arg, off + n, false, nil
	case ai == 31:
		switch major {
		case majorBytes, majorText, majorArray, majorMap:
			return major, 0, off, true, nil
		case majorOther:
			return 0, 0, 0, false, fmt.Errorf("%w: unexpected break at byte %d", ErrMalformed, off-1)
		}
	}
	return 0, 0, 0, false, fmt.Errorf("%w: reserved additional information %d at byte %d", ErrMalformed, ai, off-1)
}

// skip returns the offset after the item at b[off]. Items of containers
// that are scalars with a one-byte head or short strings (the bulk of an
// encoding: field names, small numbers, booleans) are stepped over in the
// loop of their container, without a call each.
func skip(b []byte, off, depth int) (int, error) {
	if depth > MaxDepth {
		return 0, ErrTooDeep
	}
	major, arg, next, indef, err := head(b, off)
	if err != nil {
		return 0, err
	}
	switch major {
	case majorUint, majorNint:
		return next, nil
	case majorBytes, majorText:
		if indef {
			return skipChunks(b, next, major)
		}
		if arg > uint64(len(b)-next) {
			return 0, fmt.Errorf("%w: string of %d bytes overruns the input at byte %d", ErrMalformed, arg, off)
		}
		return next + int(arg), nil
	case majorArray, majorMap:
		per := 1
		if major == majorMap {
			per = 2
		}
		if indef {
			for {
				if next >= len(b) {
					return 0, fmt.Errorf("%w: unterminated container at byte %d", ErrMalformed, off)
				}
				if b[next] == 0xff {
					return next + 1, nil
				}
				for range per {
					if next, err = skip(b, next, depth+1); err != nil {
						return 0, err
					}
				}
			}
		}
		// Every item takes at least one byte: a count past the input is
		// malformed, and checking first bounds the loop.
		if arg > uint64(len(b)-next)/uint64(per) {
			return 0, fmt.Errorf("%w: %d items overrun the input at byte %d", ErrMalformed, arg, off)
		}
		for range int(arg) * per {
			if next < len(b) {
				switch c := b[next]; {
				case c < 0x58 && c&0x1f < 24 && c>>5 <= majorNint: // small integers
					next++
					continue
				case c>>5 == majorText || c>>5 == majorBytes:
					if n := int(c & 0x1f); n < 24 {
						if next+1+n > len(b) {
							return 0, fmt.Errorf("%w: string of %d bytes overruns the input at byte %d", ErrMalformed, n, next)
						}
						next += 1 + n
						continue
					}
				case c >= 0xf4 && c <= 0xf7: // false, true, null, undefined
					next++
					continue
				}
			}
			if next, err = skip(b, next, depth+1); err != nil {
				return 0, err
			}
		}
		return next, nil
	case majorTag:
		return skip(b, next, depth+1)
	default: // simple values and floats
		ai := b[off] & 0x1f
		if ai == 24 && arg < 32 {
			return 0, fmt.Errorf("%w: two-byte simple value %d at byte %d", ErrMalformed, arg, off)
		}
		return next, nil
	}
}

// skipChunks skips the chunks of an indefinite-length string, which must
// be definite-length strings of the same major type, up to the break.
func skipChunks(b []byte, off int, major byte) (int, error) {
	for {
		if off >= len(b) {
			return 0, fmt.Errorf("%w: unterminated string at byte %d", ErrMalformed, off)
		}
		if b[off] == 0xff {
			return off + 1, nil
		}
		m, arg, next, indef, err := head(b, off)
		if err != nil {
			return 0, err
		}
		if m != major || indef {
			return 0, fmt.Errorf("%w: bad chunk of an indefinite-length string at byte %d", ErrMalformed, off)
		}
		if arg > uint64(len(b)-next) {
			return 0, fmt.Errorf("%w: chunk overruns the input at byte %d", ErrMalformed, off)
		}
		off = next + int(arg)
	}
}

// container reads the head of the array or map at b[r.Start:r.End] and
// calls item for each of its items (for a map, keys and values
// alternately), stopping when item returns false.
func container(b []byte, r Range, want byte, item func(Range) bool) error {
	if r.Start < 0 || r.End > len(b) || r.Start > r.End {
		return fmt.Errorf("%w: range [%d,%d) outside %d bytes", ErrMalformed, r.Start, r.End, len(b))
	}
	b = b[:r.End]
	major, arg, next, indef, err := head(b, r.Start)
	if err != nil {
		return err
	}
	if major != want {
		return fmt.Errorf("%w: major type %d at byte %d, want %d", ErrMalformed, major, r.Start, want)
	}
	n := arg
	if want == majorMap {
		n *= 2
	}
	for i := uint64(0); indef || i < n; i++ {
		if indef && next < len(b) && b[next] == 0xff {
			return nil
		}
		end, err := skip(b, next, 1)
		if err != nil {
			return err
		}
		if !item(Range{next, end}) {
			return nil
		}
		next = end
	}
	return nil
}

// Elems appends the ranges of the elements of the array at r to dst.
func Elems(b []byte, r Range, dst []Range) ([]Range, error) {
	err := container(b, r, majorArray, func(e Range) bool {
		dst = append(dst, e)
		return true
	})
	return dst, err
}

// Entry is one key/value pair of a map.
type Entry struct{ Key, Val Range }

// Entries appends the pairs of the map at r to dst, in encoded order.
func Entries(b []byte, r Range, dst []Entry) ([]Entry, error) {
	var key Range
	odd := false
	err := container(b, r, majorMap, func(e Range) bool {
		if !odd {
			key = e
		} else {
			dst = append(dst, Entry{Key: key, Val: e})
		}
		odd = !odd
		return true
	})
	return dst, err
}

// IsArray and IsMap report the major type of the item at r.
func IsArray(b []byte, r Range) bool { return r.Start < r.End && b[r.Start]>>5 == majorArray }

// IsMap reports whether the item at r is a map.
func IsMap(b []byte, r Range) bool { return r.Start < r.End && b[r.Start]>>5 == majorMap }

// TextKey appends the definite-length CBOR encoding of the text string s
// to dst: how a struct field name or a string map key is encoded.
func TextKey(dst []byte, s string) []byte {
	n := uint64(len(s))
	switch {
	case n < 24:
		dst = append(dst, majorText<<5|byte(n))
	case n <= 0xff:
		dst = append(dst, majorText<<5|24, byte(n))
	case n <= 0xffff:
		dst = append(dst, majorText<<5|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		dst = append(dst, majorText<<5|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		dst = append(dst, majorText<<5|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, s...)
}

// Find returns the value of the entry of entries whose key is encoded
// exactly as key, and whether there is one.
func Find(b []byte, entries []Entry, key []byte) (Range, bool) {
	for _, e := range entries {
		if bytes.Equal(b[e.Key.Start:e.Key.End], key) {
			return e.Val, true
		}
	}
	return Range{}, false
}

// Count returns the number of items of the definite-length array or map
// at b[r.Start:r.End] (for a map, of its key/value pairs) and the offset
// of its first item. Any other item, or a count the range cannot hold,
// is an error wrapping ErrMalformed.
func Count(b []byte, r Range) (n, first int, err error) {
	if r.Start < 0 || r.End > len(b) || r.Start >= r.End {
		return 0, 0, fmt.Errorf("%w: range [%d,%d) outside %d bytes", ErrMalformed, r.Start, r.End, len(b))
	}
	major, arg, next, indef, err := head(b[:r.End], r.Start)
	switch {
	case err != nil:
		return 0, 0, err
	case major != majorArray && major != majorMap || indef:
		return 0, 0, fmt.Errorf("%w: no definite-length array or map at byte %d", ErrMalformed, r.Start)
	}
	per := uint64(1)
	if major == majorMap {
		per = 2
	}
	if arg > uint64(r.End-next)/per { // every item takes a byte at least
		return 0, 0, fmt.Errorf("%w: %d items overrun the input at byte %d", ErrMalformed, arg, r.Start)
	}
	return int(arg), next, nil
}
