package live

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/livefir/statetemplate"
)

// Wire version 5 is version 2 (see EncodeBatch) with four ways to say
// less on a connection, for what its client already knows (version 3 had
// the first two, version 4 the third):
//
//   - References. Every id a connection's records carry literally as
//     their id is numbered in order of first appearance, up to maxWireIDs
//     (an insert's target is not: it stays literal). A record whose
//     operation character is upper case names its element by that number,
//     in base 36, instead: "X3" removes the element of id number 3.
//   - Splices. The text an element was last given by a text record, since
//     the last record that carried html (r, a, i, b) that may hold the
//     element (see forget), is known to both ends: the client has it in
//     the element. A splice record p sends only what changed: how many
//     UTF-16 code units of the old text stay at its start, how many after
//     them go, and the text put in their place.
//   - Html splices. The html an element was last given by a replace or an
//     attrs record, since the last record that carried html that may hold
//     the element, is known to both ends: the client keeps it on the
//     element. A record q replaces the element with that html spliced as a
//     splice record splices a text.
//   - Gets. The outerHTML of an element the browser holds as the page, or
//     a get since, gave it is predicted by the server (see pageBases). A
//     record g builds html out of it by hunks (several keep, drop, put
//     triples, each counted from the end of the one before) and checks it
//     against a checksum; the record after it (a replace, insertAfter or
//     insertBefore with an empty html field) takes that html. A splice
//     of an element's text starts, too, from a text the page spells as it
//     is (pageBases.text), with a fourth field, the checksum of the text
//     it builds (as a get's): page script may have changed the text, and
//     the client fails the record when it does not match.
//
// The title record is h (T is a text record by reference). All three are
// used only where they make the record shorter, and on a compressed
// message only where deflate would not take the record from the message
// before: permessage-deflate with context takeover compresses a message
// of compressThreshold bytes or more against the one before, so a record
// that message carried whole goes whole again, but for the records in
// the message's tail (see compressTail). A message that the short forms
// take under compressThreshold is padded back to it with empty
// data_changed records (see pad). Measured in BENCHMARKS.md, "Wire
// bytes".
const (
	opSplice       = 'p'
	opTitleV3      = 'h'
	maxWireIDs     = 4096
	maxWireTexts   = 1024     // texts a connection remembers for splices
	maxSpliceText  = 1024     // the longest text remembered
	maxWireText    = 64 << 10 // the bytes of ids and texts a connection remembers
	opSpliceHTML   = 'q'
	maxSpliceHTML  = 4096     // the longest html remembered
	maxWireHTML    = 16 << 10 // the bytes of html a connection remembers
	maxWireHeads   = 1024     // records of the last compressed message remembered
	wireVersionOld = 2        // the version before references and splices
)

// compressThreshold is the size from which coder/websocket compresses a
// message with context takeover; smaller ones go as they are.
const compressThreshold = 128

// compressTail is how close to the end of a compressed message a record
// may start and still take the short forms. compress/flate at BestSpeed
// never matches the last 15 bytes of a block (its fast encoder's input
// margin): they go as literals, however often they occurred before, so a
// shorter record there is fewer of them, and the record before them is
// matched no worse. 24 measured best on the dashboard's and the ticker's
// recorded frames (16: a counter click 42 B, 24 and 32: 37 B; the ticks
// alike at 24), BENCHMARKS.md "Wire bytes".
const compressTail = 24

// wireState is what one version-5 connection's client knows beyond the
// page: the ids sent to it, by number, the texts of elements set by text
// records and the html given them by replace and attrs records since html
// last arrived that may hold them. The server and the client keep it
// alike, the client the texts and html in the elements themselves; the
// server within bounds (maxWireTexts and maxWireText, maxWireHTML),
// sending whole what it does not keep.
type wireState struct {
	// ids is what the client knows of each element id (see wireID): one
	// map, so that a record looks its id up once.
	ids map[string]*wireID
	// numbered counts the ids numbered, up to maxWireIDs; texts the texts
	// kept, up to maxWireTexts, and textBytes their bytes and their ids',
	// up to maxWireText; htmls the html kept, and htmlBytes its bytes, up
	// to maxWireHTML.
	numbered, texts, textBytes, htmls, htmlBytes int
	// kept holds every id with a text or html kept, and perhaps ids
	// dropped since they were all last dropped (see forget).
	kept idFilter
	// window is set when messages of compressThreshold bytes or more are
	// compressed against the previous message (context takeover).
	window bool
	// heads are the records the last compressed message carried whole,
	// by operation and id, and sep its separator; next the ones of the
	// message being written.
	heads, next map[head]bool
	sep         rune
	// bases are the page's html of the elements the browser holds as
	// the page gave them; predicted is set once a get record was sent (not
	// merely built), distrusted once a resync followed one.
	bases                 *pageBases
	predicted, distrusted bool
	given                 given // what derive built for the record being written
	// ops and fields are the scratch of encode (see keepScratch).
	ops    []wireOp
	fields []string
}

// head is a record's operation and the id it names.
type head struct {
	op byte
	id string
}

func newWireState(window bool) *wireState {
	return &wireState{ids: make(map[string]*wireID), window: window}
}

// short reports whether the record op of id takes the short forms in a
// message of separator sep: always in a message sent as it is, and in a
// compressed one when it is in the message's tail or the last compressed
// message did not carry it whole (deflate could not take it from there).
func (w *wireState) short(compressed, tail bool, sep rune, op byte, id string) bool {
	return !compressed || tail || sep != w.sep || !w.heads[head{op, id}]
}

// whole notes that the message being written carries the record op of id
// whole.
func (w *wireState) whole(op byte, id string) {
	if w.next != nil && len(w.next) < maxWireHeads {
		w.next[head{op, id}] = true
	}
}

// encode returns the version-5 form of a batch for this connection, and
// updates what the connection's client will know once it has applied it.
func (w *wireState) encode(updates []statetemplate.Update, ack int64) ([]byte, error) {
	b, err := prepare(updates, w.ops, w.fields)
	if err != nil {
		clear(w.fields[:cap(w.fields)]) // the fields prepare took before it refused
		return nil, err
	}
	defer w.keepScratch(b)
	compressed := w.window && b.plain >= compressThreshold
	if compressed {
		w.next = make(map[head]bool)
	}
	msg := b.write(w, compressed)
	if compressed {
		msg = pad(msg, b.sep, ack)
		w.heads, w.next, w.sep = w.next, nil, b.sep
	}
	if ack != 0 {
		msg = withAck(msg, ack)
	}
	return msg, nil
}

// keepScratch keeps b's slices for the connection's next batch, emptied
// (it holds no update's strings between batches), unless a large batch
// grew them past maxScratch.
func (w *wireState) keepScratch(b batch) {
	if cap(b.fields) > maxScratch {
		w.ops, w.fields = nil, nil
		return
	}
	clear(b.fields)
	w.ops, w.fields = b.ops[:0], b.fields[:0]
}

// maxScratch is the most fields a connection keeps room for between
// batches: a tick of the ticker has ~30, a page's resync thousands.
const maxScratch = 1024

// pad returns msg, a batch whose whole form is compressed, padded with
// empty data_changed records to compressThreshold bytes with the ack that
// will end it, when the short forms took it under: coder/websocket would
// send it as it is, which costs more than compressed against the message
// before. The padding is a run of one pair of characters, which deflate
// takes at a few bytes.
func pad(msg []byte, sep rune, ack int64) []byte {
	n := 0
	if ack != 0 {
		n = utf8.RuneLen(sep) + 1 + len(strconv.FormatInt(ack, 10))
	}
	for len(msg) > 0 && len(msg)+n < compressThreshold {
		msg = utf8.AppendRune(msg, sep)
		msg = append(msg, opDataChanged)
	}
	return msg
}

// replaceForms returns the fields of the shortest form of a replace of id
// by html other than the record whole, when short is set: an html splice
// (q, when isQ) of the html id was last given, or a get (g, when not nil)
// of the page's html of id spliced. Either way it forgets the texts and
// html of the elements html may hold and remembers the html the browser is
// given as id's.
func (w *wireState) replaceForms(id, html string, short, compressed bool) (q [3]string, isQ bool, g []string) {
	old, known := w.htmlOf(id)
	w.forget(html)
	given := html
	best := 1 + len(html) // the html field of the record whole
	if known && short {
		if q, isQ = spliceFields(old, html); isQ {
			best = 3 + len(q[0]) + len(q[1]) + len(q[2])
		}
	}
	if f, made, ok := w.derive(id, id, html, short); ok && w.getLen(id, f, short, compressed)+1 < best {
		isQ, g, given = false, f, made
		w.predicted = true
	}
	// A replace morphs the element, which keeps its attributes where they
	// were and adds the new ones after them: its outerHTML is not the
	// html's serialization, so it is no base.
	w.given.id = ""
	w.rememberHTML(id, given)
	return q, isQ, g
}

// derive returns the fields of a get record (g) that builds html, the
// html of a replace or an insert of the element id, out of the page's html
// of the element base, and the html it builds, when short is set and the
// connection knows base's html from the page.
func (w *wireState) derive(base, id, html string, short bool) ([]string, string, bool) {
	if !short || w.bases == nil || id == "" {
		return nil, "", false
	}
	old, parent, ok := w.bases.base(base)
	if !ok {
		return nil, "", false
	}
	made, ok := built(html, id, parent)
	if !ok {
		return nil, "", false
	}
	w.given = given{id, made, parent}
	h, ok := hunks(old, made)
	if !ok {
		return nil, "", false
	}
	return append([]string{checksum(made)}, h...), made, true
}

// given is an element a record gives the browser, its html as the browser
// serializes it and its parent's tag: a base for the records after it.
type given struct{ id, made, parent string }

// note tells the page's bases about a record, and of the html it gave
// the element it names when derive built it.
func (w *wireState) note(t touch) {
	g := w.given
	w.given = given{}
	if w.distrusted {
		return
	}
	if w.bases != nil {
		w.bases.note(t)
	}
	if w.bases != nil && g.id == t.id && g.id != "" && t.op != opReplace {
		w.bases.given(g.id, g.made, g.parent)
	}
}

// getLen is what a get record of base with fields f weighs against the
// html it builds: its length, and in a compressed message its checksum
// once more, which deflate does not shorten (the html it stands for it
// does, against the markup around it).
func (w *wireState) getLen(base string, f []string, short, compressed bool) int {
	n := w.nameLen(base, short) + fieldsLen(f)
	if compressed {
		n += len(f[0])
	}
	return n
}

// nameLen is the length of a record's operation and its name for id.
func (w *wireState) nameLen(id string, short bool) int {
	if r, ok := w.ref(id); ok && short {
		return 2 + len(r)
	}
	return 2 + len(id)
}

// fieldsLen is the length of fields with their separators.
func fieldsLen(f []string) int {
	n := 0
	for _, s := range f {
		n += 1 + len(s)
	}
	return n
}

// page gives the connection the html of the page its browser holds, for
// bases (see pageBases).
func (w *wireState) page(html string, budget *basesBudget) {
	if !w.distrusted {
		w.bases = newPageBases(html, budget)
	}
}

// releaseBases gives back what the connection's bases hold of their
// budget, once no batch is encoded for it any more.
func (w *wireState) releaseBases() {
	if w.bases != nil {
		w.bases.release()
	}
}

// resynced is told that the client asked for the whole page. Once it has
// been sent a get record, that may be one whose checksum failed: the
// connection predicts no more, and gives its bases' budget back.
func (w *wireState) resynced() {
	if w.predicted {
		w.releaseBases()
		w.bases, w.distrusted = nil, true
	}
}

// splice returns the fields of a splice record that sets the text of id to
// text, when short is set, id's text is known and the splice is shorter
// than the text; it remembers text as id's text either way. A text no
// record set, which came with the page (pageBases.text), is spliced with
// the checksum of the text it builds as a fourth field: page script may
// have changed it, and the client verifies it (see checkedSpliceShorter).
// fields are the fields of the message's records. The record's fields
// are f[:n]; n is 0 for the text whole.
func (w *wireState) splice(id, text string, short, compressed bool, fields []string) (f [4]string, n int) {
	e := w.ids[id]
	old, known := e.textOf()
	w.remember(e, id, text)
	if !short {
		return f, 0
	}
	page := !known && w.bases != nil
	if page {
		old, known = w.bases.text(id)
	}
	if !known {
		return f, 0
	}
	s, ok := spliceFields(old, text)
	if !ok {
		return f, 0
	}
	f[0], f[1], f[2] = s[0], s[1], s[2]
	if !page {
		return f, 3
	}
	f[3] = checksum(text)
	if !checkedSpliceShorter(f[:], text, compressed, fields) {
		return f, 0
	}
	w.predicted = true
	return f, 4
}

// checkedSpliceShorter reports whether a checked splice of fields f is
// shorter than text whole: by its length in a message sent as it is. In a
// compressed message, where deflate codes what it cannot match at about its
// entropy, its checksum counts as the 4 bytes of its 32 bits (the message's
// digits code at about that), and the splice is taken where it is no longer
// than the text, unless the message holds the text elsewhere, where deflate
// takes it from (a counter's history, with the clock's time). Measured on
// the dashboard and the ticker, BENCHMARKS.md "Wire bytes": counted at its
// length, or twice as a get's, it never pays.
func checkedSpliceShorter(f []string, text string, compressed bool, fields []string) bool {
	if !compressed {
		return fieldsLen(f) < 1+len(text)
	}
	for _, x := range fields {
		if x != text && strings.Contains(x, text) {
			return false
		}
	}
	return fieldsLen(f[:3])+4 <= 1+len(text)
}

// spliceFields returns the fields of a splice that makes new out of old,
// and whether it is shorter than new.
func spliceFields(old, new string) ([3]string, bool) {
	at, cut, put, ok := splice(old, new)
	f := [3]string{strconv.Itoa(at), strconv.Itoa(cut), put}
	return f, ok && 2+len(f[0])+len(f[1])+len(put) < len(new)
}

// held calls drop with every word of html, the ids it may hold (see
// forget), or returns false when html may hold any id.
func held(html string, drop func(id string)) bool {
	if len(html) > 4096 || strings.ContainsAny(html, "&\x00") {
		return false
	}
	for i := 0; i < len(html); {
		for i < len(html) && wordEnd[html[i]] {
			i++
		}
		j := i
		for j < len(html) && !wordEnd[html[j]] {
			j++
		}
		if j > i {
			drop(html[i:j])
		}
		i = j
	}
	return true
}

// wordEnds are the characters around an attribute value in html: quotes,
// an equals sign, white space, and the "/" or ">" that may end a tag.
const wordEnds = "\"'= \t\n\f\r/>"

var wordEnd = func() (t [256]bool) {
	for i := range len(wordEnds) {
		t[wordEnds[i]] = true
	}
	return t
}()

// valid is s with any invalid UTF-8 as U+FFFD, as a text message needs.
func valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// splice returns how to make text new out of old: keep at UTF-16 code
// units of old, drop the cut after them, and put put there. ok is false
// when the two share nothing at either end.
func splice(old, new string) (at, cut int, put string, ok bool) {
	p := 0 // bytes in common at the start, ending on a rune boundary
	for p < len(old) && p < len(new) && old[p] == new[p] {
		p++
	}
	for p > 0 && (p < len(old) && !utf8.RuneStart(old[p]) || p < len(new) && !utf8.RuneStart(new[p])) {
		p--
	}
	q := 0 // bytes in common at the end, after p in both
	for q < len(old)-p && q < len(new)-p && old[len(old)-1-q] == new[len(new)-1-q] {
		q++
	}
	for q > 0 && !utf8.RuneStart(old[len(old)-q]) {
		q--
	}
	if p == 0 && q == 0 {
		return 0, 0, "", false
	}
	return utf16Len(old[:p]), utf16Len(old[p : len(old)-q]), new[p : len(new)-q], true
}

// utf16Len is the length of s in UTF-16 code units, as JavaScript counts.
func utf16Len(s string) int {
	n := 0
	for _, c := range s {
		n++
		if c >= 0x10000 {
			n++
		}
	}
	return n
}

// Encoder writes the batches of one connection in wire version 5, as
// package live writes them for the browser client on a connection that is
// not compressed: with references, splices and html splices wherever they
// are shorter, keeping what the client will know once it has applied each
// batch. For Go servers of the client and tests; batches must be sent in
// the order they are encoded. A zero Encoder is ready for a connection's
// first message. It fails only on an action the wire form does not have.
type Encoder struct{ st *wireState }

// Page gives the encoder the html of the page the connection's client
// holds: it then builds html from the page's elements, and splices the
// texts the page gave them (with the checksum of the text built), where
// that is shorter (see Decoder.Page), as package live does for the
// browser client. Call it before the connection's first batch.
func (e *Encoder) Page(html string) {
	if e.st == nil {
		e.st = newWireState(false)
	}
	e.st.page(html, nil)
}

// Encode returns the wire form of b for the connection, or nil when it has
// nothing to tell.
func (e *Encoder) Encode(b Batch) ([]byte, error) {
	if e.st == nil {
		e.st = newWireState(false)
	}
	return e.st.encode(b.Updates, b.Ack)
}
