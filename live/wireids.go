package live

import (
	"strconv"
	"strings"
)

// wireID is what a connection's client knows of one element id: its
// number (see learn), the text a text record set (see remember) and the
// html a replace or attrs record gave it (see rememberHTML), since the
// last html that may hold the element. An id with none of the three has
// no entry.
type wireID struct {
	num              int
	numbered         bool
	text, html       string
	hasText, hasHTML bool
}

// textOf returns the text kept of e's element; e may be nil.
func (e *wireID) textOf() (string, bool) {
	if e == nil || !e.hasText {
		return "", false
	}
	return e.text, true
}

// entry returns id's entry, made when it has none.
func (w *wireState) entry(id string) *wireID {
	e := w.ids[id]
	if e == nil {
		e = &wireID{}
		w.ids[id] = e
	}
	return e
}

// prune deletes id's entry when it holds nothing.
func (w *wireState) prune(id string, e *wireID) {
	if !e.numbered && !e.hasText && !e.hasHTML {
		delete(w.ids, id)
	}
}

// learn numbers id if it is new and there is room; both ends do it for
// every literal id, in record order.
func (w *wireState) learn(id string) {
	if id == "" || w.numbered >= maxWireIDs {
		return
	}
	if e := w.entry(id); !e.numbered {
		e.num, e.numbered = w.numbered, true
		w.numbered++
	}
}

// ref returns the reference to id when it is shorter than id.
func (w *wireState) ref(id string) (string, bool) {
	e := w.ids[id]
	if e == nil || !e.numbered {
		return "", false
	}
	r := refName(e.num)
	return r, len(r) < len(id)
}

// refName is the reference of id number n: n in base 36, taken from
// refDigits without allocating below 36*36 (a connection numbers at most
// maxWireIDs ids).
func refName(n int) string {
	switch {
	case n < 36:
		return refDigits[2*36*36+n : 2*36*36+n+1]
	case n < 36*36:
		return refDigits[2*n : 2*n+2]
	}
	return strconv.FormatInt(int64(n), 36)
}

// refDigits holds every two-digit number in base 36 ("00" to "zz"), then
// the 36 digits.
var refDigits = func() string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 0, 2*36*36+36)
	for _, hi := range []byte(digits) {
		for _, lo := range []byte(digits) {
			b = append(b, hi, lo)
		}
	}
	return string(append(b, digits...))
}()

// remember keeps text, the text the element id was given, for a later
// splice, in place of what e, id's entry (nil when it has none), kept. An
// id with a character of wordEnds, or one the parser may rewrite (a NUL,
// U+FFFD), is not kept: forget could not find it in html.
func (w *wireState) remember(e *wireID, id, text string) {
	n, had := w.texts, e != nil && e.hasText
	if had { // its id was checked when it was kept
		n--
		w.textBytes -= len(id) + len(e.text)
	}
	if len(text) > maxSpliceText || n >= maxWireTexts || w.textBytes+len(id)+len(text) > maxWireText || !had && strings.ContainsAny(id, wordEnds+"\x00\uFFFD") {
		if had {
			e.text, e.hasText = "", false
			w.texts--
			w.prune(id, e)
		}
		return
	}
	if e == nil {
		e = w.entry(id)
	}
	if !had {
		w.texts++
	}
	e.text, e.hasText = text, true
	w.textBytes += len(id) + len(text)
	w.kept.add(id)
}

// dropText forgets the text of id.
func (w *wireState) dropText(id string) {
	if e := w.ids[id]; e != nil && e.hasText {
		w.dropTextOf(id, e)
		w.prune(id, e)
	}
}

func (w *wireState) dropTextOf(id string, e *wireID) {
	w.textBytes -= len(id) + len(e.text)
	w.texts--
	e.text, e.hasText = "", false
}

// htmlOf returns the html kept of id.
func (w *wireState) htmlOf(id string) (string, bool) {
	if e := w.ids[id]; e != nil && e.hasHTML {
		return e.html, true
	}
	return "", false
}

// rememberHTML keeps the html an element was given by a replace or an
// attrs record, for a later html splice, within maxSpliceHTML and
// maxWireHTML; an id forget could not find in html (see remember), or the
// body's, is not kept.
func (w *wireState) rememberHTML(id, html string) {
	e := w.ids[id]
	if e != nil && e.hasHTML {
		w.dropHTMLOf(e)
	}
	if id == "" || len(html) > maxSpliceHTML || w.htmlBytes+len(html) > maxWireHTML || strings.ContainsAny(id, wordEnds+"\x00\uFFFD") {
		if e != nil {
			w.prune(id, e)
		}
		return
	}
	if e == nil {
		e = w.entry(id)
	}
	e.html, e.hasHTML = html, true
	w.htmls++
	w.htmlBytes += len(html)
	w.kept.add(id)
}

func (w *wireState) dropHTMLOf(e *wireID) {
	w.htmlBytes -= len(e.html)
	w.htmls--
	e.html, e.hasHTML = "", false
}

// forget drops the text and the html of every element html may hold.
func (w *wireState) forget(html string) {
	if w.texts+w.htmls == 0 {
		return
	}
	if !held(html, w.drop) {
		for id, e := range w.ids {
			e.text, e.hasText, e.html, e.hasHTML = "", false, "", false
			w.prune(id, e)
		}
		w.texts, w.textBytes, w.htmls, w.htmlBytes = 0, 0, 0, 0
		w.kept = idFilter{}
	}
}

// drop forgets the text and the html of id, when it may have either: a
// word of html that cannot be a kept id costs no map lookup.
func (w *wireState) drop(id string) {
	if !w.kept.may(id) {
		return
	}
	e := w.ids[id]
	if e == nil {
		return
	}
	if e.hasText {
		w.dropTextOf(id, e)
	}
	if e.hasHTML {
		w.dropHTMLOf(e)
	}
	w.prune(id, e)
}

// idFilter holds the lengths (modulo 64) and the first bytes of a set of
// ids, or more: an id whose length or first byte it lacks is not in the
// set. A replace's html is mostly words that are no element's id (tags,
// attribute names, classes, numbers), which it rules out without hashing
// them.
type idFilter struct {
	lens  uint64
	first [4]uint64
}

func (f *idFilter) add(id string) {
	f.lens |= 1 << (len(id) & 63)
	if id != "" {
		f.first[id[0]>>6] |= 1 << (id[0] & 63)
	}
}

// may reports whether id may be in the set.
func (f *idFilter) may(id string) bool {
	if f.lens&(1<<(len(id)&63)) == 0 {
		return false
	}
	return id == "" || f.first[id[0]>>6]&(1<<(id[0]&63)) != 0
}
