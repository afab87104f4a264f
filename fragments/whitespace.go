package fragments

import "bytes"

// Whitespace here is what the browser's DOM holds as ASCII whitespace
// (tab, line feed, form feed, carriage return, space), read from the
// page's source: character references that decode to it count, and so
// does U+0000, which the parser drops from HTML text.

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

// isSpace reports whether b holds only whitespace bytes.
func isSpace(b []byte) bool {
	for _, c := range b {
		if !isSpaceByte(c) {
			return false
		}
	}
	return true
}

// leadingSpace returns the length of the whitespace that starts the text
// b, as the DOM will have it: whitespace bytes and character references
// that decode to whitespace.
func leadingSpace(b []byte) int {
	i := 0
	for i < len(b) {
		if isSpaceByte(b[i]) {
			i++
			continue
		}
		n, r := charRef(b[i:])
		if n == 0 || r >= 0x80 || !isSpaceByte(byte(r)) {
			break
		}
		i += n
	}
	return i
}

// trailingSpace returns the offset in the text b at which its trailing
// whitespace starts, as the DOM will have it. In foreign content (SVG,
// MathML) U+0000 becomes U+FFFD and ends the whitespace.
func trailingSpace(b []byte, foreign bool) int {
	refs := bytes.IndexByte(b, '&') >= 0
	i := len(b)
	for i > 0 {
		c := b[i-1]
		switch {
		case isSpaceByte(c), c == 0 && !foreign:
			i--
		case refs && (c == ';' || isAlnum(c)):
			j := refStart(b[:i])
			if j < 0 {
				return i
			}
			i = j
		default:
			return i
		}
	}
	return 0
}

// refStart returns where a character reference decoding to whitespace
// that ends b starts, or -1.
func refStart(b []byte) int {
	j := len(b) - 1
	if b[j] == ';' {
		j--
	}
	for j >= 0 && (isAlnum(b[j]) || b[j] == '#') {
		j--
	}
	if j < 0 || b[j] != '&' {
		return -1
	}
	if n, r := charRef(b[j:]); n == len(b)-j && r >= 0 && r < 0x80 && isSpaceByte(byte(r)) {
		return j
	}
	return -1
}

// leadingNewline returns the length of the line feed the parser drops
// right after a <pre> or <listing> start tag when b, the text after it,
// starts with one, else 0.
func leadingNewline(b []byte) int {
	switch {
	case bytes.HasPrefix(b, []byte("\r\n")):
		return 2
	case len(b) > 0 && (b[0] == '\n' || b[0] == '\r'):
		return 1
	}
	if n, r := charRef(b); r == '\n' {
		return n
	}
	return 0
}

// charRef decodes the numeric character reference, or &Tab; or
// &NewLine;, at the start of b, and returns its length and rune. It
// returns r < 0 for anything else; the other named references never
// decode to whitespace.
func charRef(b []byte) (n int, r rune) {
	if len(b) < 3 || b[0] != '&' {
		return 0, -1
	}
	if b[1] != '#' {
		for _, ref := range [...]struct {
			name string
			r    rune
		}{{"&Tab;", '\t'}, {"&NewLine;", '\n'}} {
			if bytes.HasPrefix(b, []byte(ref.name)) {
				return len(ref.name), ref.r
			}
		}
		return 0, -1
	}
	i, base := 2, rune(10)
	if b[i]|0x20 == 'x' {
		i, base = 3, 16
	}
	start := i
	var v rune
	for ; i < len(b); i++ {
		d := digit(b[i], base)
		if d < 0 {
			break
		}
		v = min(v*base+d, 0x110000)
	}
	if i == start {
		return 0, -1
	}
	if i < len(b) && b[i] == ';' {
		i++
	}
	return i, v
}

func digit(c byte, base rune) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case base == 16 && 'a' <= c|0x20 && c|0x20 <= 'f':
		return rune(c|0x20-'a') + 10
	}
	return -1
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
}
