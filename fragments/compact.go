package fragments

import (
	"bytes"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// compactHTML returns fragment markup with insignificant whitespace
// removed: whitespace between attributes collapses to one space and is
// dropped before ">", and whitespace-only text outside preformatted and
// raw-text elements shrinks to one character. Parsing the result gives the
// same elements, attributes and text as parsing src, up to whitespace-only
// text, which Diff does not track by content anyway. src must be
// well-formed (Diff only sends fragments of well-formed pages). inExact
// tells that src sits inside a <pre> or similar, where all whitespace counts.
func compactHTML(src []byte, inExact bool) string {
	var out bytes.Buffer
	out.Grow(len(src))
	z := html.NewTokenizer(bytes.NewReader(src))
	exact := 0 // depth of elements whose whitespace counts
	if inExact {
		exact = 1 << 30
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if tt == html.StartTagToken && exactText(atom.Lookup(name)) {
				exact++
			}
			compactTag(&out, raw)
		case html.EndTagToken:
			name, _ := z.TagName()
			if exact > 0 && exactText(atom.Lookup(name)) {
				exact--
			}
			compactTag(&out, raw)
		case html.TextToken:
			if exact == 0 && isSpace(raw) {
				if bytes.IndexByte(raw, '\n') >= 0 {
					out.WriteByte('\n')
				} else {
					out.WriteByte(' ')
				}
				continue
			}
			out.Write(raw)
		default:
			out.Write(raw)
		}
	}
	return out.String()
}

// compactTag writes a tag's source with whitespace outside quoted
// attribute values collapsed to one space, and none before ">".
func compactTag(out *bytes.Buffer, raw []byte) {
	var quote byte
	space := false
	for _, c := range raw {
		if quote != 0 {
			out.WriteByte(c)
			if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case ' ', '\n', '\r', '\t', '\f':
			space = true
			continue
		case '"', '\'':
			// A quote opens a value only right after "=" (possibly with
			// spaces between); elsewhere it is part of a name or value.
			if last := lastByte(out); last == '=' {
				quote = c
			}
		}
		if space && c != '>' {
			if last := lastByte(out); last != '=' {
				out.WriteByte(' ')
			}
		}
		space = false
		out.WriteByte(c)
	}
}

func lastByte(b *bytes.Buffer) byte {
	if b.Len() == 0 {
		return 0
	}
	return b.Bytes()[b.Len()-1]
}
