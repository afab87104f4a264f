package fragments

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// In-place updates. A fragment's lead and start tag are hashed apart from
// the rest of its own markup (State.Tags and State.Hashes), so the differ
// can tell "only the start tag changed" (ActionAttrs: the new lead and
// start tag, and the children diffed as usual) and "only the content
// changed, and it is text" (ActionText: the new text) from any other
// change (a replace of the whole fragment). Each is used only where it
// sends fewer bytes and a browser applying it ends with exactly the
// fresh page's DOM.

// What an element's in-place updates may be (frag.inPlace).
const (
	canText   uint8 = 1 << iota // ActionText: its text-only content may be set
	canAttrs                    // ActionAttrs: its start tag may be set
	isForeign                   // an SVG or MathML element: U+0000 in its text is U+FFFD
)

// inPlaceKinds returns the in-place updates an element a can take.
// Scripts take neither: a script changed in place could run, and the
// client re-creates a changed one. ActionText is for elements whose
// content the parser reads as markup, the same in a page and in an
// innerHTML of the element: not raw text or RCDATA (its text is not
// markup), not <pre>, <listing> or <textarea> (the parser drops a newline
// at the start of their content only in a page) and not the body (whose
// content runs past its end tag). A <template> is never a fragment.
func inPlaceKinds(a atom.Atom, foreign bool) uint8 {
	if a == atom.Script {
		return 0
	}
	if foreign {
		return canText | canAttrs | isForeign
	}
	switch a {
	case atom.Style, atom.Textarea, atom.Title, atom.Xmp, atom.Iframe, atom.Noembed,
		atom.Noframes, atom.Noscript, atom.Plaintext, atom.Pre, atom.Listing, atom.Body:
		return canAttrs
	}
	return canText | canAttrs
}

// changed updates fragment n, whose lead, start tag or own markup differs
// from prev fragment p's, or which has data-cache="false":
//
//   - only the lead or start tag changed: ActionAttrs, and its children
//     are diffed, unless replacing it is cheaper;
//   - only the content changed, and it is text: ActionText;
//   - otherwise, and always with data-cache="false": replace.
func (d *differ) changed(p, n int32) {
	f := &d.x.frags[n]
	tagSame, restSame := d.prev.Tags[p] == f.tag, d.prev.Hashes[p] == f.hash
	switch {
	case f.noCache:
	case !tagSame && restSame && f.inPlace&canAttrs != 0:
		m := d.mark()
		d.inPlace(ActionAttrs, n)
		if d.children(p, n) && d.cost-m.cost <= d.size(n)+len(f.id)+updateOverhead {
			return
		}
		d.rollback(m)
	case tagSame && !restSame && !f.mixed && f.inPlace&canText != 0:
		d.inPlace(ActionText, n) // the content is less than the fragment
		return
	}
	d.replace(n)
}

// inPlace adds an in-place update of fragment n. It is applied with the
// replaces: after the removes, before the inserts. Its cost counts the
// bytes of the page it carries (a text's references as written).
func (d *differ) inPlace(action string, n int32) {
	f := &d.x.frags[n]
	d.replaces = append(d.replaces, op{action: action, id: f.id, frag: n})
	size := f.open - f.lead
	if action == ActionText {
		size = f.close - f.open
	}
	d.cost += size + len(f.id) + updateOverhead
}

// html returns what an update of fragment n with action carries: the
// text of its content for ActionText, its lead and start tag for
// ActionAttrs, else its lead and outerHTML (see markup). Only a fragment
// whose markup is in page takes an in-place update: one copied from the
// previous page (spliced, or a shell) is unchanged.
func (x *extraction) html(page []byte, action string, n int32) ([]byte, error) {
	f := &x.frags[n]
	if action != ActionText && action != ActionAttrs {
		return x.markup(page, n)
	}
	if f.from != 0 {
		return nil, fmt.Errorf("%w: an in-place update of spliced fragment %q", ErrSplice, f.id)
	}
	if action == ActionText {
		return domText(page[f.open:f.close], f.inPlace&isForeign != 0), nil
	}
	return page[f.lead:f.open], nil
}

// domText returns the text the HTML parser makes of src, the markup of an
// element's content that holds nothing but text and character references
// (neither raw text nor RCDATA): CR LF and CR read as LF; the references
// decoded, as in text (legacy names without ";" included), each ending
// at a U+0000; then U+0000 dropped, or U+FFFD in foreign content. A
// reference that gives CR or U+0000 is not normalized: only the page's
// own characters are.
func domText(src []byte, foreign bool) []byte {
	if bytes.IndexByte(src, 0) < 0 && bytes.IndexByte(src, '\r') < 0 && bytes.IndexByte(src, '&') < 0 {
		return src
	}
	b := make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		b = append(b, src[i])
		if src[i] == '\r' {
			b[len(b)-1] = '\n'
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
		}
	}
	nul := ""
	if foreign {
		nul = "\uFFFD"
	}
	parts := strings.Split(string(b), "\x00")
	for i, p := range parts {
		parts[i] = html.UnescapeString(p)
	}
	return []byte(strings.Join(parts, nul))
}
