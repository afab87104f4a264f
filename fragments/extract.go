package fragments

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// frag is one fragment of a rendered page.
type frag struct {
	lead        int // page offset of its lead; page[lead:start] is the lead
	start, end  int // outerHTML in the page
	open, close int // its content: from the end of its start tag to the start of its end tag
	id          string
	parent      int32
	tag         uint64 // hash of its lead and start tag
	hash        uint64 // hash of the rest of its own markup: content and end tag
	anchor      uint32 // content own-markup offset in the parent at which its lead starts
	tail        uint32 // content own-markup offset at which its tail (trailing whitespace) starts
	direct      bool   // its DOM parent is its parent fragment's element
	noCache     bool   // data-cache="false"
	mixed       bool   // its content holds elements, comments or markers, not only text
	inPlace     uint8  // the in-place updates its element can take (see inplace.go)

	// DiffSpliced and DiffPatched only (see splice.go, patch.go).
	from    int32 // 1 + the index in prev of a spliced fragment, or 0
	splice  int32 // 1 + the splice a spliced root stands for, or 0
	bound   int32 // 1 + the bound this fragment opens, or 0
	omitted int32 // bytes of spliced markup left out of [lead, end); at first, splicer.omitted when it opened
	shell   int32 // DiffPatched: 1 + the Shell this copied fragment is, or 0
	refill  int32 // DiffPatched: 1 + the Resend this copied fragment is, or 0
}

// extraction is the fragment tree of one page.
type extraction struct {
	frags    []frag // document order; frags[0] is the body
	index    map[string]int32
	implicit bool   // the page has no <body> tag
	opaque   bool   // the tag nesting is not the browser's tree
	why      string // what made the page opaque, first found
	whyAt    int    // the page offset of it
	sp       *splicer
	pt       *patcher
	spliced  bool // a splice was placed
}

// Element flags, inherited down the stack of open elements.
const (
	fForeign     uint16 = 1 << iota // SVG or MathML element
	fSVG                            // SVG element
	fIntegration                    // its content is HTML
	fTemplate                       // inside <template> content
	fP                              // a <p> is open in button scope
	fLi
	fDd
	fA
	fNobr
	fForm
	fButton
)

type openElem struct {
	a       atom.Atom
	name    string // tag name when a is 0
	frag    int32  // fragment index, or -1
	flags   uint16
	implied bool // a <tbody> the parser inserts, with no tags in the page
}

type openFrag struct {
	idx     int32
	d       xxhash.Digest
	written uint32 // own-markup bytes hashed so far
	run     int    // page offset of the unhashed own markup, or -1
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
	textAt   int  // page offset where the current text run starts, or -1
	preNL    bool // the last token opened a <pre> or <listing>
	headTmpl int  // <template> depth before the body
	headRaw  bool // inside a raw-text element before the body
	headDone bool // </head> was seen
	nameBuf  [32]byte
	sp       *splicer // DiffSpliced's splices and bounds, or nil
	pt       *patcher // DiffPatched's patches and shells, or nil
	stop     int      // DiffPatched: the end of the patch being extracted
	octx     []uint64 // DiffPatched: the context each fragment of the patch opened in
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
		textAt: -1,
		sp:     sp,
	}
	e.x.sp = sp
	if sp != nil && sp.buf != nil {
		e.x.frags, e.idAt = sp.buf.frags[:0], sp.buf.idAt[:0]
		e.stack, e.fstack = sp.buf.stack[:0], sp.buf.fstack[:0]
		e.arena = slices.Grow(sp.buf.arena[:0], 12*hint)
		defer sp.buf.keep(e)
	} else {
		e.x.frags, e.idAt = make([]frag, 0, hint), make([][2]int32, 0, hint)
		e.stack, e.fstack, e.arena = make([]openElem, 0, 32), make([]openFrag, 0, 16), make([]byte, 0, 12*hint)
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
		afterPre := e.preNL
		e.preNL = false
		if e.sp != nil && e.sp.due(pos) {
			e.spliceToken(s, pos, tt == html.TextToken, afterPre)
			if tt == html.TextToken {
				continue
			}
			afterPre = false
		}
		switch tt {
		case html.TextToken:
			e.text(s, pos, afterPre)
			continue
		case html.StartTagToken:
			e.startTag(s, pos, false)
		case html.SelfClosingTagToken:
			e.startTag(s, pos, true)
		case html.EndTagToken:
			e.endTag(s, pos)
		case html.CommentToken:
			e.comment(s, pos)
		case html.DoctypeToken:
			if e.mode == inBody {
				// Browsers drop it, joining the text around it.
				e.anomaly(s, "a <!DOCTYPE> inside the body")
			}
		}
		e.textAt = -1
	}
	return pos
}

// anomaly records that the browser's tree would not follow the tag
// nesting at page offset at: the body becomes one opaque fragment. The
// first reason found is kept, for the warning.
func (e *extractor) anomaly(at int, why string, names ...string) {
	if e.x.opaque {
		return
	}
	e.x.opaque = true
	var b []byte
	for i := 0; i < len(why); i++ {
		if why[i] == '%' && len(names) > 0 {
			b = append(b, names[0]...)
			names = names[1:]
			continue
		}
		b = append(b, why[i])
	}
	e.x.why, e.x.whyAt = string(b), at
}

func (e *extractor) top() (atom.Atom, uint16) {
	if n := len(e.stack); n > 0 {
		return e.stack[n-1].a, e.stack[n-1].flags
	}
	return atom.Body, 0
}

// topName is the tag name of the current element, for messages.
func (e *extractor) topName() string {
	if n := len(e.stack); n > 0 {
		if el := &e.stack[n-1]; el.a == 0 {
			return el.name
		}
		return e.stack[n-1].a.String()
	}
	return "body"
}

// foreignText reports whether text in an element with flags fl is
// foreign content (where U+0000 is kept, as U+FFFD).
func foreignText(fl uint16) bool { return fl&fForeign != 0 && fl&fIntegration == 0 }

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

// space returns the page offset at which the trailing whitespace of the
// current text run, up to page offset end, starts: the lead of an element
// starting at end, or the tail of an element ending there.
func (e *extractor) space(end int, foreign bool) int {
	if e.textAt < 0 || e.textAt >= end {
		return end
	}
	return e.textAt + trailingSpace(e.page[e.textAt:end], foreign)
}

func (e *extractor) text(s, end int, afterPre bool) {
	b := e.page[s:end]
	ws := isSpace(b)
	switch e.mode {
	case beforeBody:
		if e.headTmpl > 0 || e.headRaw {
			return
		}
		// Leading whitespace stays outside the implied body.
		k := leadingSpace(b)
		if k == len(b) {
			return
		}
		s += k
		b = e.page[s:end]
		e.startBody(s, s, false)
	case afterBody:
		if ws {
			// Browsers append it to the body.
			e.write(s)
			return
		}
		e.reopenBody(s)
	}
	a, fl := e.top()
	if !ws && fl&(fForeign|fTemplate) == 0 && tableText(a) {
		e.anomaly(s, "text directly in <%> (browsers move it before the table)", e.topName())
	}
	nl := 0
	if afterPre {
		// The parser drops a newline right after <pre> and <listing>, and
		// only there: a child fragment inserted before it, or removed from
		// before it, changes the text. The marker tells the two apart.
		if nl = leadingNewline(b); nl > 0 {
			e.virtual(s, droppedNewline)
		}
	}
	e.write(s)
	if e.textAt < 0 {
		e.textAt = s + nl
	}
}

// Markers hashed into own markup for what the parser does without bytes
// in the page to show it.
const (
	impliedTbody    = "\x00tbody\x00"
	impliedTbodyEnd = "\x00/tbody\x00"
	droppedNewline  = "\x00nl\x00"
)

// virtual hashes marker into the current fragment's own markup at page
// offset s.
func (e *extractor) virtual(s int, marker string) {
	e.notText()
	e.flush(s)
	f := &e.fstack[len(e.fstack)-1]
	f.d.WriteString(marker)
	f.written += uint32(len(marker))
}

func (e *extractor) comment(s, end int) {
	raw := e.page[s:end]
	if e.mode != inBody {
		return
	}
	_, fl := e.top()
	switch {
	case string(raw) == "</>":
		e.anomaly(s, "a stray </> (browsers drop it)")
	case foreignText(fl) && bytes.HasPrefix(raw, []byte("<![CDATA[")):
		e.anomaly(s, "a CDATA section")
	}
	e.notText()
	e.write(s)
}

// notText records that the current element's content holds more than
// text, when that element is a fragment.
func (e *extractor) notText() {
	f := int32(0) // directly in the body
	if n := len(e.stack); n > 0 {
		f = e.stack[n-1].frag
	}
	if f >= 0 && int(f) < len(e.x.frags) {
		e.x.frags[f].mixed = true
	}
}

// startBody starts the body at page offset s; its start tag, when the
// page has one, ends at open.
func (e *extractor) startBody(s, open int, explicit bool) {
	e.mode = inBody
	e.x.implicit = !explicit
	e.x.frags = append(e.x.frags, frag{lead: s, start: s, open: open, end: len(e.page),
		tag: xxhash.Sum64(e.page[s:open]), inPlace: inPlaceKinds(atom.Body, false)})
	e.idAt = append(e.idAt, [2]int32{})
	e.fstack = append(e.fstack, openFrag{idx: 0, run: -1})
	e.fstack[0].d.Reset()
}

// reopenBody handles content after </body>, which browsers put back into
// the body.
func (e *extractor) reopenBody(s int) {
	e.anomaly(s, "content after </body>")
	e.mode = inBody
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
			// The body's start tag is hashed on its own (its tag), not
			// as own markup: its attributes can be set in place.
			e.startBody(s, end, true)
			id, noCache, _ := e.attrs(raw, false)
			if len(id) > 0 {
				e.headIDs = append(e.headIDs, e.keep(id))
			}
			e.x.frags[0].noCache = noCache
			return
		}
		// After </head>, <noscript> starts the body.
		if inHead(a) && !(a == atom.Noscript && e.headDone) {
			// The text of <title>, <style>, <script>... is not body content.
			e.headRaw = !selfClosing && a != atom.Html && a != atom.Head && !isVoid(a)
			if id, _, _ := e.attrs(raw, false); len(id) > 0 {
				e.headIDs = append(e.headIDs, e.keep(id))
			}
			return
		}
		e.startBody(s, s, false)
	case afterBody:
		e.reopenBody(s)
	}

	pa, pf := e.top()
	foreignCtx := foreignText(pf)
	if !foreignCtx && pf&fTemplate == 0 {
		// Rows directly in a table go into a <tbody> the parser inserts.
		switch {
		case a == atom.Tr && pa == atom.Table:
			e.openImplied(s)
			pa, pf = e.top()
		case closesTableBody(a) && len(e.stack) > 0 && e.stack[len(e.stack)-1].implied:
			e.stack = e.stack[:len(e.stack)-1]
			// The text before it is the implied tbody's, and what follows
			// is not a DOM sibling of the rows in it: a marker sets it apart.
			e.textAt = -1
			e.virtual(s, impliedTbodyEnd)
			pa, pf = e.top()
		}
	}
	id, noCache, html := e.attrs(raw, a == atom.AnnotationXml)
	var fl uint16
	switch {
	case foreignCtx && !breaksOutOfForeign(a):
		fl = fForeign | pf&fSVG
		if a == atom.Svg && pa == atom.AnnotationXml {
			fl |= fSVG // elsewhere in MathML, <svg> is a MathML element
		}
	case foreignCtx:
		e.anomaly(s, "<%> inside <%> (browsers end the SVG or MathML there)", string(name), e.topName())
	case a == atom.Svg:
		fl = fForeign | fSVG
	case a == atom.Math:
		fl = fForeign
	}
	if fl&fForeign != 0 {
		e.z.NextIsNotRawText()
		if isIntegrationPoint(a, fl&fSVG != 0, html) {
			fl |= fIntegration
		}
	} else if pf&fTemplate == 0 {
		if why, same := checkStart(a, pa, pf, selfClosing); why != "" {
			parent := e.topName()
			if same {
				parent = string(name)
			}
			e.anomaly(s, why, string(name), parent)
		}
	}
	if len(e.stack) >= maxDepth {
		e.anomaly(s, "nesting deeper than 500 elements")
	}
	fl |= inherit(a, pf, fl&fForeign != 0)
	e.notText()

	void := (fl&fForeign == 0 && isVoid(a)) || (fl&fForeign != 0 && selfClosing)
	idx := int32(-1)
	if len(id) > 0 && fl&fTemplate == 0 {
		idx = e.openFragment(s, end, id, noCache, foreignCtx, inPlaceKinds(a, fl&fForeign != 0))
	} else {
		e.write(s)
	}
	if void {
		if idx >= 0 {
			e.closeFragment(end, end, end)
		}
		return
	}
	el := openElem{a: a, frag: idx, flags: fl}
	if a == 0 {
		el.name = string(name)
	}
	e.stack = append(e.stack, el)
	e.preNL = fl&fForeign == 0 && (a == atom.Pre || a == atom.Listing)
}

// openImplied opens the <tbody> the parser inserts before a row that
// sits directly in a table. It has no bytes in the page; a marker in the
// own markup tells it apart from a table whose rows are gone.
func (e *extractor) openImplied(s int) {
	e.virtual(s, impliedTbody)
	_, pf := e.top()
	e.stack = append(e.stack, openElem{a: atom.Tbody, frag: -1, flags: inherit(atom.Tbody, pf, false), implied: true})
	e.textAt = -1 // the text before it is the table's
}

// checkStart returns why the parser would not simply nest an HTML start
// tag a in the current element pa, or "". In the reason, the first % is
// the new tag and the second the current element, or the new tag again
// when same is true.
func checkStart(a, pa atom.Atom, pf uint16, selfClosing bool) (why string, same bool) {
	switch {
	case selfClosing && !isVoid(a):
		return "<%/>: a self-closing tag of an element that is not void (browsers leave it open)", false
	case pf&fP != 0 && closesP(a):
		return "<%> inside an open <p> (browsers close the <p> first)", false
	case pf&fLi != 0 && a == atom.Li,
		pf&fDd != 0 && (a == atom.Dd || a == atom.Dt),
		pf&fA != 0 && a == atom.A,
		pf&fNobr != 0 && a == atom.Nobr,
		pf&fForm != 0 && a == atom.Form,
		pf&fButton != 0 && a == atom.Button:
		return "<%> inside another open <%> (browsers close or ignore one)", true
	case isHeading(a) && isHeading(pa):
		return "<%> inside <%> (browsers close the heading first)", false
	}
	switch a {
	case atom.Html, atom.Head, atom.Body, atom.Frameset, atom.Frame, atom.Image:
		return "<%> inside the body", false
	}
	if ok, restricted := allowedIn(pa, a); restricted && !ok || misplaced(a, pa) {
		return "<%> directly in <%> (browsers move it or insert elements)", false
	}
	return "", false
}

// inherit returns the flags of a new element a whose parent has flags pf.
func inherit(a atom.Atom, pf uint16, foreign bool) uint16 {
	fl := pf & (fTemplate | fP | fLi | fDd | fA | fNobr | fForm | fButton)
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
	set(fP, a == atom.P, isScopeBoundary(a))
	set(fLi, a == atom.Li, special)
	set(fDd, a == atom.Dd || a == atom.Dt, special)
	set(fA, a == atom.A, isFormattingMarker(a))
	set(fNobr, a == atom.Nobr, isFormattingMarker(a))
	set(fForm, a == atom.Form, a == atom.Template)
	set(fButton, a == atom.Button, isScopeBoundary(a))
	return fl
}

// openFragment starts the fragment whose start tag is page[s:end], with
// the whitespace before it as its lead. Its lead and start tag are hashed
// on their own (its tag); its own markup starts after the start tag.
func (e *extractor) openFragment(s, end int, id []byte, noCache, foreign bool, inPlace uint8) int32 {
	lead := e.space(s, foreign)
	e.flush(lead)
	parent := &e.fstack[len(e.fstack)-1]
	idx := int32(len(e.x.frags))
	direct := len(e.stack) == 0 && parent.idx == 0 ||
		len(e.stack) > 0 && e.stack[len(e.stack)-1].frag == parent.idx
	e.x.frags = append(e.x.frags, frag{
		lead: lead, start: s, open: end, parent: parent.idx, anchor: parent.written,
		tag: xxhash.Sum64(e.page[lead:end]), direct: direct, noCache: noCache, inPlace: inPlace,
	})
	e.idAt = append(e.idAt, e.keep(id))
	if e.sp != nil {
		e.x.frags[idx].omitted = int32(e.sp.omitted)
		ctx := e.context()
		e.openBound(idx, lead, s, ctx)
		if e.pt != nil {
			e.octx = append(e.octx, ctx) // for the PatchCache
		}
	}
	e.fstack = append(e.fstack, openFrag{idx: idx, run: end})
	e.fstack[len(e.fstack)-1].d.Reset()
	return idx
}

// closeFragment ends the current fragment with its end tag at [s, end)
// and its tail starting at page offset tail.
func (e *extractor) closeFragment(s, end, tail int) {
	f := &e.fstack[len(e.fstack)-1]
	fr := &e.x.frags[f.idx]
	fr.tail = e.ownLen(tail)
	e.write(s)
	e.flush(end)
	fr.hash = f.d.Sum64()
	fr.close, fr.end = s, end
	if e.sp != nil {
		fr.omitted = int32(e.sp.omitted) - fr.omitted
		if fr.bound != 0 {
			e.closeBound(f.idx, int32(len(e.x.frags)))
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
		if a == atom.Head && e.headTmpl == 0 {
			e.headDone = true
		}
		if e.headTmpl > 0 || a != atom.Body && a != atom.Html && a != atom.Br {
			return
		}
		// These end tags imply a body before any body content.
		e.anomaly(s, "</%> before the body", string(name))
		e.startBody(s, s, false)
	case afterBody:
		if a == atom.Html || a == atom.Body {
			return
		}
		e.reopenBody(s)
	}
	if a == atom.Table {
		for n := len(e.stack); n > 0 && e.stack[n-1].implied; n-- {
			e.pop(s, s)
			e.textAt = -1 // the text before </table> is the implied tbody's
		}
	}
	n := len(e.stack)
	if n == 0 {
		if a == atom.Body || a == atom.Html {
			e.endBody(s)
			return
		}
		e.anomaly(s, "</%> without an open element", string(name))
		e.write(s)
		return
	}
	if e.matches(n-1, a, name) {
		e.pop(s, end)
		return
	}
	// A mismatched end tag: the browser closes, ignores or re-parents
	// elements here. Mirror the likely nesting; the page is opaque anyway.
	e.anomaly(s, "</%> while <%> is open", string(name), e.topName())
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
		e.closeFragment(s, end, e.space(s, foreignText(el.flags)))
		return
	}
	if end > s {
		e.write(s)
	}
}

// endBody ends the body's content at the </body> (or </html>) tag at s.
// Whitespace after it still goes into the body (see text).
func (e *extractor) endBody(s int) {
	e.x.frags[0].tail = e.ownLen(e.space(s, false))
	e.write(s)
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
		e.spliceToken(end, end, true, false)
	}
	if e.mode == beforeBody {
		e.startBody(end, end, false)
	}
	root := &e.x.frags[0]
	root.end = end
	if len(e.stack) > 0 {
		e.anomaly(end, "<%> is not closed", e.topName())
		for len(e.stack) > 0 {
			e.pop(end, end)
		}
	}
	if e.mode == inBody {
		root.tail = e.ownLen(e.space(end, false))
	}
	e.flush(end)
	root.hash = e.fstack[0].d.Sum64()
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
		root.mixed = true
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

// attrs returns the first id, whether data-cache="false" is set and, when
// encoding is true, whether the encoding attribute makes a MathML
// annotation-xml element hold HTML. raw is the tag's source: most tags
// have none of these, and a scan of raw avoids the tokenizer's copying
// attribute API.
func (e *extractor) attrs(raw []byte, encoding bool) (id []byte, noCache, html bool) {
	if !encoding && !hasAttr(raw) {
		return nil, false, false
	}
	var seenID, seenCache, seenEnc bool
	for more := true; more; {
		var k, v []byte
		k, v, more = e.z.TagAttr()
		switch {
		case !seenID && string(k) == "id":
			seenID, id = true, v
		case !seenCache && string(k) == "data-cache":
			seenCache = true
			noCache = bytes.EqualFold(bytes.TrimSpace(v), []byte("false"))
		case encoding && !seenEnc && string(k) == "encoding":
			seenEnc = true
			html = bytes.EqualFold(v, []byte("text/html")) || bytes.EqualFold(v, []byte("application/xhtml+xml"))
		}
	}
	return id, noCache, html
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
