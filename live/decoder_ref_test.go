package live

// The decoder as it was before it was made cheap (branch tool14): the
// reference its fast paths are checked against (decoder_property_test.go).
// Kept as it was but for the names.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/livefir/statetemplate"
)

// forget drops from texts every element that html may hold: an element it
// holds gets its text from the html, which the server does not read, so
// its next text goes whole. (An element that the html removes without
// holding it again gets no text record before html re-creates it.) An id
// is held where it is a word of the html, between two of wordEnds or its
// ends: an attribute value always is one, for ids texts keeps (see
// remember). Html with a character reference or a NUL may spell an id any
// way, and long html likely holds most: they take them all.
func refForget(texts map[string]string, html string) {
	if len(texts) > 0 && !held(html, func(id string) { delete(texts, id) }) {
		clear(texts)
	}
}

// refDecoder decodes the messages of one connection of wire version 5, the
// version the browser client speaks, in the order they arrive: it keeps
// what the client keeps (the ids sent so far, the texts and html elements
// were given since html that may hold them arrived), and returns each
// batch as version 2 would carry it, with references resolved, splices
// and gets applied and padding skipped (the html of a get is the html it
// built: the record's html as the browser serializes it). A zero refDecoder is ready for a connection's
// first message. Errors wrap ErrBadUpdates.
type refDecoder struct {
	ids   []string
	known map[string]bool
	texts map[string]string
	htmls map[string]string
	bases *pageBases
	// got is the html the last get record built, for the record after it,
	// and the tag of the element its base is in.
	got, gotIn string
}

// Page gives the decoder the html of the page the connection serves, as
// the browser loaded it, for the get records that build html from it (see
// pageBases). Without it a get record fails to decode, until a resync
// (a replace of the body) gives the decoder its page.
func (d *refDecoder) page(html string) { d.bases = newPageBases(html, nil) }

// Decode returns the batch msg carries; see DecodeBatch for what it
// accepts.
func (d *refDecoder) decode(msg []byte) (Batch, error) {
	if d.known == nil {
		d.known, d.texts, d.htmls = make(map[string]bool), make(map[string]string), make(map[string]string)
	}
	ups, ack, err := refDecodeMessage(msg, d.record)
	return Batch{Updates: ups, Ack: ack}, err
}

func (d *refDecoder) learn(id string) {
	if id != "" && !d.known[id] && len(d.ids) < maxWireIDs {
		d.known[id] = true
		d.ids = append(d.ids, id)
	}
}

// record decodes one record of version 5; ok is false for a get record,
// which is not an update.
func (d *refDecoder) record(op byte, id string, f []string) (u statetemplate.Update, ok bool, err error) {
	if op >= 'A' && op <= 'Z' {
		n, err := strconv.ParseInt(id, 36, 32)
		if err != nil || n < 0 || int(n) >= len(d.ids) {
			return statetemplate.Update{}, false, fmt.Errorf("%w: no id numbered %q", ErrBadUpdates, id)
		}
		op, id = op-'A'+'a', d.ids[n]
	} else {
		d.learn(id) // the client numbers any record's id but an ack's
	}
	switch op {
	case opTitleV3:
		op = opTitle
	case opGet:
		return u, false, d.get(id, f)
	case opSplice, opSpliceHTML:
		u, err = d.splice(op, id, f)
		d.note(op, u)
		return u, err == nil, err
	}
	u, err = decodeRecord(op, id, f)
	if err != nil {
		return u, false, err
	}
	made := (op == opReplace || op == opInsertAfter || op == opInsertBefore) && u.HTML == "" && d.got != ""
	if made {
		u.HTML = d.got
	}
	d.got = ""
	d.keep(op, u)
	d.note(op, u)
	if made && op != opReplace && d.bases != nil { // see wireState.replaceForms
		d.bases.given(u.FragmentID, u.HTML, d.gotIn)
	}
	return u, true, nil
}

// get builds the html of a get record out of the page's html of the
// element id, for the record after it, and checks it against the record's
// checksum.
func (d *refDecoder) get(id string, f []string) error {
	if d.bases == nil {
		return fmt.Errorf("%w: a get record, without the page", ErrBadUpdates)
	}
	old, in, ok := d.bases.base(id)
	if !ok || len(f) < 1 {
		return fmt.Errorf("%w: a get record of %q, whose html the page does not give", ErrBadUpdates, id)
	}
	made, ok := refApplyHunks(old, f[1:])
	if !ok || checksum(made) != f[0] {
		return fmt.Errorf("%w: a get record of %q that does not build its html", ErrBadUpdates, id)
	}
	d.got, d.gotIn = made, in
	return nil
}

// note tells the page's bases about an update decoded, as the server's
// wire state is told (the operations of version 2).
func (d *refDecoder) note(op byte, u statetemplate.Update) {
	switch op {
	case opSplice:
		op = opText
	case opSpliceHTML:
		op = opReplace
	}
	if d.bases != nil {
		d.bases.note(touch{op: op, id: u.FragmentID, target: u.TargetID, html: u.HTML})
	}
}

// keep keeps what the client keeps of a record: the text of a text record,
// the html of a replace or attrs record, and forgets what html may hold
// and the text of an element appended to.
func (d *refDecoder) keep(op byte, u statetemplate.Update) {
	switch op {
	case opText:
		d.texts[u.FragmentID] = u.HTML
	case opAppend: // the element's text holds the html's too
		delete(d.texts, u.FragmentID)
		fallthrough
	case opReplace, opInsertAfter, opInsertBefore:
		refForget(d.texts, u.HTML)
		refForget(d.htmls, u.HTML)
	}
	if op == opReplace || op == opAttrs {
		d.htmls[u.FragmentID] = u.HTML
	}
}

// splice applies a splice record (p) to the text the element holds, or
// an html splice record (q) to the html it was last given. A splice of a
// text no record set, the page's, carries the checksum of the text it
// builds (a fourth field), which must match.
func (d *refDecoder) splice(op byte, id string, f []string) (statetemplate.Update, error) {
	known, what, u := d.texts, "text", statetemplate.Update{Action: statetemplate.ActionText, FragmentID: id}
	if op == opSpliceHTML {
		known, what, u.Action = d.htmls, "html", statetemplate.ActionReplace
	}
	old, ok := known[id]
	sum, checked := "", op == opSplice && len(f) == 4
	if checked {
		sum, f = f[3], f[:3]
		if !ok && d.bases != nil {
			old, ok = d.bases.text(id)
		}
	}
	if !ok {
		return statetemplate.Update{}, fmt.Errorf("%w: a splice of %q, whose %s is not known", ErrBadUpdates, id, what)
	}
	if len(f) != 3 {
		return statetemplate.Update{}, fmt.Errorf("%w: a splice takes 3 fields, not %d", ErrBadUpdates, len(f))
	}
	if u.HTML, ok = refApplyHunks(old, f); !ok || checked && checksum(u.HTML) != sum {
		return statetemplate.Update{}, fmt.Errorf("%w: a splice out of the %s of %q", ErrBadUpdates, what, id)
	}
	if op == opSplice {
		d.keep(opText, u)
	} else {
		d.keep(opReplace, u)
	}
	return u, nil
}

// refRuneIndex returns the number of runes of s that make up n UTF-16 code
// units; ok is false when n is negative, beyond s, or splits a pair.
func refRuneIndex(s []rune, n int) (int, bool) {
	i := 0
	for n > 0 && i < len(s) {
		n--
		if s[i] >= 0x10000 {
			n--
		}
		i++
	}
	return i, n == 0
}

// refDecodeMessage parses a batch whose records other than data_changed and
// ack decode decodes.
func refDecodeMessage(msg []byte, decode func(op byte, id string, f []string) (statetemplate.Update, bool, error)) ([]statetemplate.Update, int64, error) {
	if !utf8.Valid(msg) {
		return nil, 0, fmt.Errorf("%w: not UTF-8", ErrBadUpdates)
	}
	s := string(msg)
	r, size := utf8.DecodeRuneInString(s)
	// The client reads R and R+1 as UTF-16 code units: R is in the BMP,
	// and R+1 not a surrogate.
	if size == 0 || r == '{' || r >= 0xd7ff && r < 0xe000 || r >= 0xffff {
		return nil, 0, fmt.Errorf("%w: does not start with a separator", ErrBadUpdates)
	}
	sep := string(r + 1)
	var out []statetemplate.Update
	var paths []string
	var ack int64
	for _, rec := range strings.Split(s[size:], string(r)) {
		parts := strings.Split(rec, sep)
		head := parts[0]
		if head == "" {
			return nil, 0, fmt.Errorf("%w: an empty record", ErrBadUpdates)
		}
		op, id, f := head[0], head[1:], parts[1:]
		switch op {
		case opDataChanged:
			paths = nil
			if len(f) > 0 {
				paths = f
			}
			continue
		case opAck:
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id || len(f) > 0 {
				return nil, 0, fmt.Errorf("%w: a malformed ack %q", ErrBadUpdates, rec)
			}
			ack = n
			continue
		}
		u, ok, err := decode(op, id, f)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			continue
		}
		u.DataChanged, paths = paths, nil
		out = append(out, u)
	}
	return out, ack, nil
}

// refApplyHunks makes the string a splice of hunks' fields makes out of old,
// as the client does; ok is false when a count is not a number, or runs
// beyond old or into a surrogate pair.
func refApplyHunks(old string, f []string) (string, bool) {
	if len(f)%3 != 0 {
		return "", false
	}
	units := []rune(old)
	var out []rune
	i := 0
	for h := 0; h < len(f); h += 3 {
		keep, err1 := strconv.Atoi(f[h])
		drop, err2 := strconv.Atoi(f[h+1])
		k, ok1 := refRuneIndex(units[i:], keep)
		if err1 != nil || err2 != nil || !ok1 {
			return "", false
		}
		out = append(out, units[i:i+k]...)
		i += k
		d, ok2 := refRuneIndex(units[i:], drop)
		if !ok2 {
			return "", false
		}
		out = append(out, []rune(f[h+2])...)
		i += d
	}
	return string(append(out, units[i:]...)), true
}
