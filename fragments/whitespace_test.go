package fragments

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/net/html"
)

func TestTrailingSpace(t *testing.T) {
	cases := []struct {
		text    string
		foreign bool
		want    int // the offset at which the trailing whitespace starts
	}{
		{"one ", false, 3},
		{"one", false, 3},
		{" \n\t", false, 0},
		{"", false, 0},
		{"x&#32;", false, 1},
		{"x&#32", false, 1},
		{"x&#x20;&Tab;&NewLine;\r\n", false, 1},
		{"x&#0000032; ", false, 1},
		{"x&#33;", false, 6},
		{"x&amp;#32;", false, 10},
		{"x&nbsp;", false, 7},
		{"x \x00 ", false, 1},
		{"x \x00 ", true, 3},
		{"&#32x", false, 5},
		{"a&#12;", false, 1},
		{"a&#13;", false, 1},
		{"a&#x110020;", false, 11},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, trailingSpace([]byte(tc.text), tc.foreign), "%q foreign=%v", tc.text, tc.foreign)
	}
}

func TestLeadingSpaceAndNewline(t *testing.T) {
	for _, tc := range []struct {
		text     string
		space, n int
	}{
		{" \tx", 2, 0},
		{"\nx", 1, 1},
		{"\r\nx", 2, 2},
		{"\rx", 1, 1},
		{"&#10;x", 5, 5},
		{"&NewLine; x", 10, 9},
		{"&#x0a;", 6, 6},
		{"&#13;\nx", 6, 0},
		{"&#32;x", 5, 0},
		{"x", 0, 0},
		{"", 0, 0},
	} {
		assert.Equal(t, tc.space, leadingSpace([]byte(tc.text)), "leadingSpace(%q)", tc.text)
		assert.Equal(t, tc.n, leadingNewline([]byte(tc.text)), "leadingNewline(%q)", tc.text)
	}
}

// domText is the text browsers make of b in HTML content: character
// references decoded, U+0000 dropped, newlines normalized.
func domText(b []byte) string {
	s := html.UnescapeString(string(b))
	s = strings.ReplaceAll(s, "\x00", "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func isDOMSpace(s string) bool { return strings.Trim(s, " \t\n\f\r") == "" }

// FuzzTrailingSpace checks trailingSpace against x/net/html's decoding of
// the text: the cut never splits a character reference, what follows it is
// whitespace and what precedes it does not end with whitespace.
func FuzzTrailingSpace(f *testing.F) {
	for _, s := range []string{"one ", "x&#32;&Tab;", "a&#x20", "&amp;#32; ", "x\x00 ", "&#0000032;", "é&nbsp; "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if strings.ContainsRune(string(b), '<') {
			return // text only
		}
		k := trailingSpace(b, false)
		if k < 0 || k > len(b) {
			t.Fatalf("offset %d out of range", k)
		}
		head, tail := domText(b[:k]), domText(b[k:])
		if head+tail != domText(b) {
			t.Fatalf("the cut at %d splits a reference: %q + %q != %q", k, head, tail, domText(b))
		}
		if !isDOMSpace(tail) {
			t.Fatalf("tail %q is not whitespace", tail)
		}
		if head != "" && isDOMSpace(head[len(head)-1:]) {
			t.Fatalf("head %q ends with whitespace", head)
		}
		if n := leadingSpace(b); !isDOMSpace(domText(b[:n])) {
			t.Fatalf("leading %q is not whitespace", b[:n])
		}
	})
}
