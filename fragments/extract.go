package fragments

import (
	"bytes"
	"fmt"
	"math/bits"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// frag is one fragment of a rendered page.
type frag struct {
	start, end int // outerHTML in the page
	id         string
	parent     int32
	hash       uint64 // own-markup hash
	anchor     uint32 // own-markup offset in the parent
	contentEnd uint32 // own-markup offset at which its end tag begins
	direct     bool   // its DOM parent is its parent fragment's element
	noCache    bool   // data-cache="false"
	inExact    bool   // inside <pre> or similar: whitespace counts

	// DiffSpliced only (see splice.go).
	from    int32 // 1 + the index in prev of a spliced fragment, or 0
	splice  int32 // 1 + the splice a spliced root stands for, or 0
	bound   int32 // 1 + the bound this fragment opens, or 0
	omitted int32 // bytes of spliced markup left out of [start, end); at first, splicer.omitted when it opened
	shell   int32 // DiffPatched: 1 + the Shell this copied fragment is, or 0
}

// extraction is the fragment tree of one page.
type extraction struct {
	frags    []frag // document order; frags[0] is the body
	index    map[string]int32
	implicit bool // the page has no <body> tag
	opaque   bool // the tag nesting is not the browser's tree
	sp       *splicer
	pt       *patcher
	spliced  bool // a splice was placed
}

// Element flags, inherited down the stack of open elements.
const (
	fForeign uint16 = 1 << iota // SVG or MathML element
	fIntegration
	fTemplate // inside <template> content
	fPre      // whitespace-only text is compared exactly
	fP        // a <p> is open in button scope
	fLi
	fDd
	fA
	fNobr
	fForm
	fButton
)

type openElem struct {
	a     atom.Atom
	name  string // tag name when a is 0
	frag  int32  // fragment index, or -1
	flags uint16
}

type openFrag struct {
	idx     int32
	d       xxhash.Digest
	written uint32 // own-markup bytes hashed so far
	run     int    // page offset of the unhashed own markup, or -1
	ws      bool   // whitespace-only text was seen
	lastWS  uint32 // own-markup offset of the last whitespace-only text
	wsHash  uint64 // hash of the offsets of whitespace-only text
}

// sum returns the own-markup hash: the markup bytes and where
// whitespace-only text sits in them.
func (f *openFrag) sum() uint64 {
	h := f.d.Sum64()
	if f.ws {
		h ^= bits.RotateLeft64(f.wsHash*0x9e3779b97f4a7c15, 31)
	}
	return h
}

const (
	beforeBody = iota
	inBody
	afterBody
)

type extractor struct {
	page     []byte
	z        *html.Tokenizer
	x        extraction
	stack    []openElem
	fstack   []openFrag
	arena    []byte     // id bytes
	idAt     [][2]int32 // arena range of each fragment's id
	headIDs  [][2]int32 // ids outside the body, checked for duplicates only
	mode     int
	pos      int  // end of the last token
	headTmpl int  // <template> depth before the body
	headRaw  bool // inside a raw-text element before the body
	nameBuf  [32]byte
	sp       *splicer // DiffSpliced's splices and bounds, or nil
	pt       *patcher // DiffPatched's patches and shells, or nil
	stop     int      // DiffPatched: the end of the patch being extracted
}

// extract tokenizes page once and returns its fragment tree, or
// ErrDuplicateFragmentID. hint is the expected number of fragments.
func extract(page []byte, hint int) (*extraction, error) { return extractWith(page, hint, nil) }

// extractWith is extract placing DiffSpliced's splices and bounds, sp.
func extractWith(page []byte, hint int, sp *splicer) (*extraction, error) {
	hint = max(hint+8, 32)
	e := &extractor{
		page:   page,
		z:      html.NewTokenizer(bytes.NewReader(page)),
		stack:  make([]openElem, 0, 32),
		fstack: make([]openFrag, 0, 16),
		arena:  make([]byte, 0, 12*hint),
		sp:     sp,
	}
	e.x.sp = sp
	if sp != nil && sp.buf != nil {
		e.x.frags, e.idAt = sp.buf.frags[:0], sp.buf.idAt[:0]
		defer sp.buf.keep(e)
	} else {
		e.x.frags, e.idAt = make([]frag, 0, hint), make([][2]int32, 0, hint)
	}
	e.run()
	return &e.x, e.finish()
}

func (e *extractor) run() {
	e.pos = e.tokens(0)
	e.eof()
}

// tokens extracts the tokens of e.z, which start at byte pos of the page,
// and returns the end of the last one.
func (e *extractor) tokens(pos int) int {
	for e.stop == 0 || pos < e.stop {
		tt := e.z.Next()
		if tt == html.ErrorToken {
			break
		}
		s := pos
		pos += len(e.z.Raw())
		if e.sp != nil && e.sp.due(pos) {
			e.spliceToken(s, pos, tt == html.TextToken)
			if tt == html.TextToken {
				continue
			}
		}
		switch tt {
		case html.TextToken:
			e.text(s, pos)
		case html.StartTagToken:
			e.startTag(s, pos, false)
		case html.SelfClosingTagToken:
			e.startTag(s, pos, true)
		case html.EndTagToken:
			e.endTag(s, pos)
		case html.CommentToken:
			if e.mode == inBody {
				e.write(s)
			}
		}
	}
	return pos
}

func (e *extractor) anomaly() { e.x.opaque = true }

func (e *extractor) top() (atom.Atom, uint16) {
	if n := len(e.stack); n > 0 {
		return e.stack[n-1].a, e.stack[n-1].flags
	}
	return atom.Body, 0
}

// flush hashes the current fragment's pending own markup up to end.
func (e *extractor) flush(end int) {
	f := &e.fstack[len(e.fstack)-1]
	if f.run >= 0 && end > f.run {
		f.d.Write(e.page[f.run:end])
		f.written += uint32(end - f.run)
	}
	f.run = -1
}

// write makes the token starting at s own markup of the current fragment.
func (e *extractor) write(s int) {
	if f := &e.fstack[len(e.fstack)-1]; f.run < 0 {
		f.run = s
	}
}

func (e *extractor) text(s, end int) {
	b := e.page[s:end]
	ws := isSpace(b)
	switch e.mode {
	case beforeBody:
		if ws || e.headTmpl > 0 || e.headRaw {
			return
		}
		// Leading whitespace stays outside the implied body.
		for isSpace(e.page[s : s+1]) {
			s++
		}
		e.startBody(s, false)
	case afterBody:
		if ws {
			return
		}
		e.reopenBody()
	}
	a, fl := e.top()
	if !ws && fl&(fForeign|fTemplate) == 0 && tableText(a) {
		e.anomaly()
	}
	if ws && fl&fPre == 0 {
		// Whitespace-only text counts by presence and position only, and
		// runs of it separated only by child fragments count once: a child
		// can come and go with its indentation without changing the parent.
		e.flush(s)
		f := &e.fstack[len(e.fstack)-1]
		if !f.ws || f.lastWS != f.written {
			f.ws, f.lastWS = true, f.written
			f.wsHash = (f.wsHash ^ uint64(f.written+1)) * fnvPrime64
		}
		return
	}
	e.write(s)
}

func (e *extractor) startBody(s int, explicit bool) {
	e.mode = inBody
	e.x.implicit = !explicit
	e.x.frags = append(e.x.frags, frag{start: s, end: len(e.page)})
	e.idAt = append(e.idAt, [2]int32{})
	e.fstack = append(e.fstack, openFrag{idx: 0, run: -1})
	e.fstack[0].d.Reset()
}

// reopenBody handles content after </body>, which browsers put back into
// the body: the body then extends to the end of the page.
func (e *extractor) reopenBody() {
	e.anomaly()
	e.mode = inBody
	e.x.frags[0].end = len(e.page)
}

func (e *extractor) startTag(s, end int, selfClosing bool) {
	raw := e.page[s:end]
	name := e.tagName(raw[1:])
	a := atom.Lookup(name)
	switch e.mode {
	case beforeBody:
		if e.headTmpl > 0 || a == atom.Template {
			if a == atom.Template {
				e.headTmpl++
			}
			return
		}
		if a == atom.Body {
			e.startBody(s, true)
			e.write(s)
			id, noCache := e.attrs(raw)
			if len(id) > 0 {
				e.headIDs = append(e.headIDs, e.keep(id))
			}
			e.x.frags[0].noCache = noCache
			return
		}
		if inHead(a) {
			// The text of <title>, <style>, <script>... is not body content.
			e.headRaw = !selfClosing && a != atom.Html && a != atom.Head && !isVoid(a)
			if id, _ := e.attrs(raw); len(id) > 0 {
				e.headIDs = append(e.headIDs, e.keep(id))
			}
			return
		}
		e.startBody(s, false)
	case afterBody:
		e.reopenBody()
	}

	pa, pf := e.top()
	foreignCtx := pf&fForeign != 0 && pf&fIntegration == 0
	var fl uint16
	switch {
	case foreignCtx && !breaksOutOfForeign(a):
		fl = fForeign
	case foreignCtx:
		e.anomaly()
	case a == atom.Svg || a == atom.Math:
		fl = fForeign
	}
	if fl&fForeign != 0 {
		e.z.NextIsNotRawText()
		if isIntegrationPoint(a) {
			fl |= fIntegration
		}
	} else if pf&fTemplate == 0 {
		e.checkStart(a, pa, pf, selfClosing)
	}
	if len(e.stack) >= maxDepth {
		e.anomaly()
	}
	fl |= inherit(a, pf, fl&fForeign != 0)

	id, noCache := e.attrs(raw)
	void := (fl&fForeign == 0 && isVoid(a)) || (fl&fForeign != 0 && selfClosing)
	idx := int32(-1)
	if len(id) > 0 && fl&fTemplate == 0 {
		idx = e.openFragment(s, id, noCache)
		e.x.frags[idx].inExact = pf&fPre != 0
	} else {
		e.write(s)
	}
	if void {
		if idx >= 0 {
			e.closeFragment(s, end)
		}
		return
	}
	el := openElem{a: a, frag: idx, flags: fl}
	if a == 0 {
		el.name = string(name)
	}
	e.stack = append(e.stack, el)
}

// checkStart reports an anomaly when the parser would not simply nest an
// HTML start tag a in the current element.
func (e *extractor) checkStart(a, pa atom.Atom, pf uint16, selfClosing bool) {
	bad := selfClosing && !isVoid(a) ||
		pf&fP != 0 && closesP(a) ||
		pf&fLi != 0 && a == atom.Li ||
		pf&fDd != 0 && (a == atom.Dd || a == atom.Dt) ||
		pf&fA != 0 && a == atom.A ||
		pf&fNobr != 0 && a == atom.Nobr ||
		pf&fForm != 0 && a == atom.Form ||
		pf&fButton != 0 && a == atom.Button ||
		isHeading(a) && isHeading(pa)
	switch a {
	case atom.Html, atom.Head, atom.Body, atom.Frameset, atom.Frame, atom.Image:
		bad = true
	}
	if ok, restricted := allowedIn(pa, a); restricted && !ok {
		bad = true
	}
	if misplaced(a, pa) {
		bad = true
	}
	if bad {
		e.anomaly()
	}
}

// inherit returns the flags of a new element a whose parent has flags pf.
func inherit(a atom.Atom, pf uint16, foreign bool) uint16 {
	fl := pf & (fTemplate | fPre | fP | fLi | fDd | fA | fNobr | fForm | fButton)
	if foreign {
		return fl &^ (fP | fButton)
	}
	set := func(flag uint16, on, off bool) {
		switch {
		case on:
			fl |= flag
		case off:
			fl &^= flag
		}
	}
	special := isSpecial(a) && a != atom.Address && a != atom.Div && a != atom.P
	set(fTemplate, a == atom.Template, false)
	set(fPre, exactText(a), false)
	set(fP, a == atom.P, isScopeBoundary(a))
	set(fLi, a == atom.Li, special)
	set(fDd, a == atom.Dd || a == atom.Dt, special)
	set(fA, a == atom.A, isFormattingMarker(a))
	set(fNobr, a == atom.Nobr, isFormattingMarker(a))
	set(fForm, a == atom.Form, a == atom.Template)
	set(fButton, a == atom.Button, isScopeBoundary(a))
	return fl
}

func (e *extractor) openFragment(s int, id []byte, noCache bool) int32 {
	e.flush(s)
	parent := &e.fstack[len(e.fstack)-1]
	idx := int32(len(e.x.frags))
	direct := len(e.stack) == 0 && parent.idx == 0 ||
		len(e.stack) > 0 && e.stack[len(e.stack)-1].frag == parent.idx
	e.x.frags = append(e.x.frags, frag{
		start: s, parent: parent.idx, anchor: parent.written,
		direct: direct, noCache: noCache,
	})
	e.idAt = append(e.idAt, e.keep(id))
	if e.sp != nil {
		e.x.frags[idx].omitted = int32(e.sp.omitted)
		e.openBound(idx, s)
	}
	e.fstack = append(e.fstack, openFrag{idx: idx, run: s})
	e.fstack[len(e.fstack)-1].d.Reset()
	return idx
}

// closeFragment ends the current fragment with its end tag at [s, end).
func (e *extractor) closeFragment(s, end int) {
	e.write(s)
	f := &e.fstack[len(e.fstack)-1]
	fr := &e.x.frags[f.idx]
	fr.contentEnd = e.ownLen(s)
	e.flush(end)
	fr.hash = f.sum()
	fr.end = end
	if e.sp != nil {
		fr.omitted = int32(e.sp.omitted) - fr.omitted
		if fr.bound != 0 {
			e.closeBound(f.idx)
		}
	}
	e.fstack = e.fstack[:len(e.fstack)-1]
}

func (e *extractor) endTag(s, end int) {
	name := e.tagName(e.page[s+2 : end])
	a := atom.Lookup(name)
	switch e.mode {
	case beforeBody:
		e.headRaw = false
		if a == atom.Template && e.headTmpl > 0 {
			e.headTmpl--
		}
		if e.headTmpl > 0 || a != atom.Body && a != atom.Html && a != atom.Br {
			return
		}
		// These end tags imply a body before any body content.
		e.anomaly()
		e.startBody(s, false)
	case afterBody:
		if a == atom.Html || a == atom.Body {
			return
		}
		e.reopenBody()
	}
	n := len(e.stack)
	if n == 0 {
		if a == atom.Body || a == atom.Html {
			e.endBody(s, end, a)
			return
		}
		e.anomaly()
		e.write(s)
		return
	}
	if e.matches(n-1, a, name) {
		e.pop(s, end)
		return
	}
	// A mismatched end tag: the browser closes, ignores or re-parents
	// elements here. Mirror the likely nesting; the page is opaque anyway.
	e.anomaly()
	for i := n - 2; i >= 0 && i >= n-maxDepth; i-- { // bounded: linear time
		if e.matches(i, a, name) {
			for len(e.stack) > i+1 {
				e.pop(s, s)
			}
			e.pop(s, end)
			return
		}
	}
	e.write(s)
}

func (e *extractor) matches(i int, a atom.Atom, name []byte) bool {
	el := &e.stack[i]
	if a != 0 || el.a != 0 {
		return el.a == a
	}
	return el.name == string(name)
}

// pop closes the top element with its end tag at [s, end); end == s for an
// element closed implicitly.
func (e *extractor) pop(s, end int) {
	el := e.stack[len(e.stack)-1]
	e.stack = e.stack[:len(e.stack)-1]
	if el.frag >= 0 {
		e.closeFragment(s, end)
		return
	}
	if end > s {
		e.write(s)
	}
}

// endBody ends the body at the </body> (or </html>) tag at [s, end).
func (e *extractor) endBody(s, end int, a atom.Atom) {
	fr := &e.x.frags[0]
	e.write(s)
	fr.contentEnd = e.ownLen(s)
	if e.x.implicit || a != atom.Body {
		e.flush(s)
		fr.end = s
	} else {
		e.flush(end)
		fr.end = end
	}
	e.mode = afterBody
}

// ownLen is the current fragment's own-markup length up to page offset s.
func (e *extractor) ownLen(s int) uint32 {
	f := &e.fstack[len(e.fstack)-1]
	if f.run >= 0 {
		return f.written + uint32(s-f.run)
	}
	return f.written
}

// eof ends the page at e.pos: bytes after it (a tag cut off by the end of
// input) are dropped by browsers too.
func (e *extractor) eof() {
	end := e.pos
	if e.sp != nil && e.sp.due(end) {
		e.spliceToken(end, end, true)
	}
	if e.mode == beforeBody {
		e.startBody(end, false)
	}
	if root := &e.x.frags[0]; root.end > end {
		root.end = end
	}
	if len(e.stack) > 0 {
		e.anomaly()
		for len(e.stack) > 0 {
			e.pop(end, end)
		}
	}
	if e.mode == inBody {
		e.write(end)
		e.x.frags[0].contentEnd = e.ownLen(end)
		e.flush(end)
	}
	e.x.frags[0].hash = e.fstack[0].sum()
}

// finish turns the collected ids into strings and checks for duplicates.
func (e *extractor) finish() error {
	all := string(e.arena)
	x := &e.x
	for i := range x.frags {
		r := e.idAt[i]
		if r[0] < 0 { // spliced: prev's id
			x.frags[i].id = e.sp.in.Prev.IDs[r[1]]
			continue
		}
		x.frags[i].id = all[r[0]:r[1]]
	}
	if e.sp != nil {
		e.sp.heads = e.headStrings(all)
		e.finishSplices()
	}
	if x.spliced {
		return x.checkSplicedDuplicates(e.sp.heads)
	}
	x.index = make(map[string]int32, len(x.frags)+len(e.headIDs))
	for i := 1; i < len(x.frags); i++ {
		id := x.frags[i].id
		if _, dup := x.index[id]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicateFragmentID, id)
		}
		x.index[id] = int32(i)
	}
	for _, r := range e.headIDs {
		id := all[r[0]:r[1]]
		if _, dup := x.index[id]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicateFragmentID, id)
		}
		x.index[id] = -1
	}
	if x.opaque {
		// The nesting cannot be trusted: the body is one fragment whose
		// hash covers all its markup.
		root := &x.frags[0]
		root.hash = xxhash.Sum64(e.page[root.start:root.end]) ^ opaqueSalt
		x.frags = x.frags[:1]
	}
	return nil
}

// opaqueSalt keeps an opaque body's hash apart from a regular one.
const opaqueSalt = 0x6f70617175650a01

func (e *extractor) keep(b []byte) [2]int32 {
	start := int32(len(e.arena))
	e.arena = append(e.arena, b...)
	return [2]int32{start, int32(len(e.arena))}
}

// tagName returns the lower-cased tag name at the start of b (the bytes
// after "<" or "</"), as the tokenizer delimits it.
func (e *extractor) tagName(b []byte) []byte {
	n := 0
	for n < len(b) {
		c := b[n]
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '/' || c == '>' {
			break
		}
		n++
	}
	var out []byte
	if n <= len(e.nameBuf) {
		out = e.nameBuf[:n]
	} else {
		out = make([]byte, n)
	}
	for i := 0; i < n; i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// attrs returns the first id and whether data-cache="false" is set on the
// current start tag. raw is the tag's source: most tags have neither
// attribute, and a scan of raw avoids the tokenizer's copying attribute API.
func (e *extractor) attrs(raw []byte) (id []byte, noCache bool) {
	if !hasAttr(raw) {
		return nil, false
	}
	var seenID, seenCache bool
	for more := true; more; {
		var k, v []byte
		k, v, more = e.z.TagAttr()
		switch {
		case !seenID && string(k) == "id":
			seenID, id = true, v
		case !seenCache && string(k) == "data-cache":
			seenCache = true
			noCache = bytes.EqualFold(bytes.TrimSpace(v), []byte("false"))
		}
	}
	return id, noCache
}

// hasAttr reports whether raw may carry an id or data-cache attribute:
// the name, in any case, preceded by a byte that can end the previous
// attribute and followed by one that can end an attribute name. Both
// names hold a "d", which IndexByte finds fast.
func hasAttr(raw []byte) bool {
	for _, d := range [2]byte{'d', 'D'} {
		for off := 0; ; {
			k := bytes.IndexByte(raw[off:], d)
			if k < 0 {
				break
			}
			i := off + k
			if i >= 2 && endsAttr(raw[i-2]) && matchName(raw[i-1:], "id") ||
				i >= 1 && endsAttr(raw[i-1]) && matchName(raw[i:], "data-cache") {
				return true
			}
			off = i + 1
		}
	}
	return false
}

// endsAttr reports the bytes after which an attribute name can start.
func endsAttr(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', '\f', '/', '"', '\'':
		return true
	}
	return false
}

// matchName reports whether b starts with the attribute name (lower case)
// followed by the end of the name.
func matchName(b []byte, name string) bool {
	if len(b) < len(name) || b[0]|0x20 != name[0] {
		return false
	}
	for j := 1; j < len(name); j++ {
		if b[j]|0x20 != name[j] {
			return false
		}
	}
	if len(b) == len(name) {
		return true
	}
	switch b[len(name)] {
	case ' ', '\n', '\r', '\t', '\f', '/', '=', '>':
		return true
	}
	return false
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			return false
		}
	}
	return true
}
