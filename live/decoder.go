package live

import (
	"fmt"
	"strconv"

	"github.com/livefir/statetemplate"
)

// Decoder decodes the messages of one connection of wire version 5, the
// version the browser client speaks, in the order they arrive: it keeps
// what the client keeps (the ids sent so far, the texts and html elements
// were given since html that may hold them arrived), and returns each
// batch as version 2 would carry it, with references resolved, splices
// and gets applied and padding skipped (the html of a get is the html it
// built: the record's html as the browser serializes it). A zero Decoder
// is ready for a connection's first message. Errors wrap ErrBadUpdates.
type Decoder struct {
	// ids are the elements numbered, by number; byID every element
	// numbered or with a text or html kept, by id.
	ids  []*decodedID
	byID map[string]*decodedID
	// kept may hold every id with a text or html kept (and ids dropped
	// since it was last emptied): the words of html that it rules out
	// need no look-up when the html is forgotten (see forget).
	kept  keptFilter
	bases *pageBases
	// got is the html the last get record built, for the record after it,
	// and the tag of the element its base is in.
	got, gotIn string
	// fields is the scratch of decodeMessage.
	fields []string
}

// decodedID is what a Decoder knows of one element id: its number when it
// has one, and the text or html the client keeps for it.
type decodedID struct {
	id               string
	numbered         bool
	hasText, hasHTML bool
	text, html       string
}

// Page gives the decoder the html of the page the connection serves, as
// the browser loaded it, for the get records that build html from it (see
// pageBases). Without it a get record fails to decode, until a resync
// (a replace of the body) gives the decoder its page.
func (d *Decoder) Page(html string) { d.bases = newPageBases(html, nil) }

// Decode returns the batch msg carries; see DecodeBatch for what it
// accepts.
func (d *Decoder) Decode(msg []byte) (Batch, error) {
	var b Batch
	err := d.DecodeTo(&b, msg)
	return b, err
}

// DecodeTo decodes msg as Decode does into b, reusing the room of
// b.Updates: a reader of many messages, such as a load generator, that
// is done with a batch before it decodes the next saves allocating one
// each time. On an error b holds no updates. b.Updates is nil when msg
// carries none and b had no room.
func (d *Decoder) DecodeTo(b *Batch, msg []byte) error {
	if d.byID == nil {
		d.byID = make(map[string]*decodedID)
	}
	clear(b.Updates)
	ups, ack, err := decodeMessage(msg, b.Updates[:0], &d.fields, d.record)
	b.Updates, b.Ack = ups, ack
	return err
}

// learn numbers id, when it is new and numbers are left, and returns what
// the decoder knows of it (nil when nothing).
func (d *Decoder) learn(id string) *decodedID {
	e := d.byID[id]
	if id == "" || e != nil && e.numbered || len(d.ids) >= maxWireIDs {
		return e
	}
	if e == nil {
		e = &decodedID{id: id}
		d.byID[id] = e
	}
	e.numbered = true
	d.ids = append(d.ids, e)
	return e
}

// entry returns what the decoder knows of id, made when it knows nothing.
func (d *Decoder) entry(id string, e *decodedID) *decodedID {
	if e != nil && e.numbered { // a numbered entry stays in byID
		return e
	}
	if e = d.byID[id]; e == nil {
		e = &decodedID{id: id}
		d.byID[id] = e
	}
	return e
}

// record decodes one record of version 5; ok is false for a get record,
// which is not an update.
func (d *Decoder) record(op byte, id string, f []string) (u statetemplate.Update, ok bool, err error) {
	var e *decodedID
	if op >= 'A' && op <= 'Z' {
		n, err := strconv.ParseInt(id, 36, 32)
		if err != nil || n < 0 || int(n) >= len(d.ids) {
			return statetemplate.Update{}, false, fmt.Errorf("%w: no id numbered %q", ErrBadUpdates, id)
		}
		e = d.ids[n]
		op, id = op-'A'+'a', e.id
	} else {
		e = d.learn(id) // the client numbers any record's id but an ack's
	}
	switch op {
	case opTitleV3:
		op = opTitle
	case opGet:
		return u, false, d.get(id, f)
	case opSplice, opSpliceHTML:
		u, err = d.splice(op, id, e, f)
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
	d.keep(op, u, e)
	d.note(op, u)
	if made && op != opReplace && d.bases != nil { // see wireState.replaceForms
		d.bases.given(u.FragmentID, u.HTML, d.gotIn)
	}
	return u, true, nil
}

// get builds the html of a get record out of the page's html of the
// element id, for the record after it, and checks it against the record's
// checksum.
func (d *Decoder) get(id string, f []string) error {
	if d.bases == nil {
		return fmt.Errorf("%w: a get record, without the page", ErrBadUpdates)
	}
	old, in, ok := d.bases.base(id)
	if !ok || len(f) < 1 {
		return fmt.Errorf("%w: a get record of %q, whose html the page does not give", ErrBadUpdates, id)
	}
	made, ok := applyHunks(old, f[1:])
	if !ok || !checksumIs(made, f[0]) {
		return fmt.Errorf("%w: a get record of %q that does not build its html", ErrBadUpdates, id)
	}
	d.got, d.gotIn = made, in
	return nil
}

// note tells the page's bases about an update decoded, as the server's
// wire state is told (the operations of version 2).
func (d *Decoder) note(op byte, u statetemplate.Update) {
	if d.bases == nil {
		return
	}
	switch op {
	case opSplice:
		op = opText
	case opSpliceHTML:
		op = opReplace
	}
	d.bases.note(touch{op: op, id: u.FragmentID, target: u.TargetID, html: u.HTML})
}

// keep keeps what the client keeps of a record: the text of a text record,
// the html of a replace or attrs record, and forgets what html may hold
// and the text of an element appended to. e is what the decoder knew of
// the record's element before it, or nil.
func (d *Decoder) keep(op byte, u statetemplate.Update, e *decodedID) {
	switch op {
	case opText:
		e = d.entry(u.FragmentID, e)
		e.text, e.hasText = u.HTML, true
		d.kept.add(u.FragmentID)
		return
	case opAppend: // the element's text holds the html's too
		if e = d.byID[u.FragmentID]; e != nil {
			e.text, e.hasText = "", false
			d.tidy(e)
		}
		fallthrough
	case opReplace, opInsertAfter, opInsertBefore:
		d.forget(u.HTML)
	}
	if op == opReplace || op == opAttrs {
		e = d.entry(u.FragmentID, e)
		e.html, e.hasHTML = u.HTML, true
		d.kept.add(u.FragmentID)
	}
}

// forget drops the texts and html kept of every element that html may
// hold: an element it holds gets its text from the html, so its next
// text goes whole (see held: an id is held where it is a word of the
// html). Html that may hold any id takes them all.
func (d *Decoder) forget(html string) {
	if !held(html, func(id string) {
		if d.kept.may(id) {
			if e := d.byID[id]; e != nil {
				d.drop(e)
			}
		}
	}) {
		for _, e := range d.byID {
			d.drop(e)
		}
		d.kept = keptFilter{}
	}
}

// drop drops the text and html kept of e.
func (d *Decoder) drop(e *decodedID) {
	e.text, e.html, e.hasText, e.hasHTML = "", "", false, false
	d.tidy(e)
}

// tidy drops e from byID when the decoder knows nothing of it any more.
func (d *Decoder) tidy(e *decodedID) {
	if !e.numbered && !e.hasText && !e.hasHTML {
		delete(d.byID, e.id)
	}
}

// splice applies a splice record (p) to the text the element holds, or
// an html splice record (q) to the html it was last given. A splice of a
// text no record set, the page's, carries the checksum of the text it
// builds (a fourth field), which must match. e is what the decoder knows
// of id, or nil.
func (d *Decoder) splice(op byte, id string, e *decodedID, f []string) (statetemplate.Update, error) {
	what, u := "text", statetemplate.Update{Action: statetemplate.ActionText, FragmentID: id}
	if e == nil || !e.numbered {
		e = d.byID[id]
	}
	var old string
	var ok bool
	if op == opSpliceHTML {
		what, u.Action = "html", statetemplate.ActionReplace
		if e != nil {
			old, ok = e.html, e.hasHTML
		}
	} else if e != nil {
		old, ok = e.text, e.hasText
	}
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
	if u.HTML, ok = applyHunks(old, f); !ok || checked && !checksumIs(u.HTML, sum) {
		return statetemplate.Update{}, fmt.Errorf("%w: a splice out of the %s of %q", ErrBadUpdates, what, id)
	}
	if op == opSplice {
		d.keep(opText, u, e)
	} else {
		d.keep(opReplace, u, e)
	}
	return u, nil
}

// keptFilter is a set of ids that may hold ids not added (a Bloom filter
// of one hash): by their length and first and last characters, which
// tell the ids of a page's elements from the words of its markup (a
// ticker's "class" from its "c-AAPL") better than idFilter's length and
// first character.
type keptFilter [4]uint64

func keptBit(id string) (int, uint64) {
	h := uint(len(id))
	if id != "" {
		h = h*31 + uint(id[0])*7 + uint(id[len(id)-1])
	}
	return int(h>>6) & 3, 1 << (h & 63)
}

func (f *keptFilter) add(id string) {
	w, b := keptBit(id)
	f[w] |= b
}

// may reports whether id may be in the set.
func (f *keptFilter) may(id string) bool {
	w, b := keptBit(id)
	return f[w]&b != 0
}

// checksumIs reports whether sum is checksum(s), without making the
// checksum's text.
func checksumIs(s, sum string) bool {
	var x int32
	for _, r := range s {
		if r >= 0x10000 {
			r = 0xd800 + (r-0x10000)>>10
		}
		x = x*31 + r
	}
	var buf [16]byte
	return string(strconv.AppendInt(buf[:0], int64(x), 10)) == sum
}
