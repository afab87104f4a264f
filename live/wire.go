package live

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/livefir/statetemplate"
)

// ProtocolVersion is the version of the wire protocol this package and
// the browser client it serves speak. The client sends it in the
// WebSocket handshake (v=5) and the server's first message, the ready
// message, carries it back ({"v":5}); the client treats the session as
// live from then on. A client of version 2 (a page cached from before
// version 3) is served in version 2, the form EncodeBatch writes; on any
// other version (3 and 4 included) the page reloads once, which fetches
// the client of the server it then talks to. Version 3 added references
// and splices, version 4 html splices and padding (see Decoder), version 5
// get records: html built from what the browser holds (see pageBases).
const ProtocolVersion = 5

// protocolVersion is ProtocolVersion as the handshake's v carries it.
var protocolVersion = strconv.Itoa(ProtocolVersion)

// ErrBadUpdates is returned by DecodeBatch for a message that is not a
// batch of updates in the wire form.
var ErrBadUpdates = errors.New("live: not a batch of updates")

// The wire form of a batch of updates.
//
// A batch is one text message: a separator character R, then records
// separated by R. A record is an operation character, the fragment id,
// and the operation's fields, each after a second separator U, the
// character after R (R+1). R and U are chosen per message so that
// neither occurs in any id or field: U+001E and U+001F, else another pair
// of non-whitespace C0 controls, else a pair of private-use characters.
// The html travels as the page has it, never escaped; a JSON message
// (a reply, {"ref":...}, the ready message) starts with "{", which a
// batch never does.
//
//	record               fields after the id
//	r  replace           html
//	a  append            html
//	x  remove            -
//	i  insertAfter       target id, html
//	b  insertBefore      target id, html
//	t  text              text (the element's new content, plain)
//	s  attrs             html (lead and start tag)
//	T  title             text (the id is empty); h from version 3
//	d  data_changed      paths (the id is empty); it belongs to the next record
//	k  ack               - (the "id" is the action's _seq): the reply {"ack": seq}
//
// That is version 2, which EncodeBatch writes and DecodeBatch reads.
// Version 4, which the browser client speaks, adds references (an upper
// case operation names its element by number), splices (p: a text by
// what changed in it), html splices (q: a replace by what changed in the
// element's html) and padding (empty d records, before the ack, that keep
// a message compressed); version 5 gets (g: html built from the outerHTML
// of an element the browser holds, with a checksum, for the record after
// it); see Decoder, wirestate.go and wirebase.go.
//
// Timestamps, html_hash and no-ops are not sent: the client uses none of
// them. An action's acknowledgment, when it is all the reply says, ends
// the batch of updates sent to the connection the action came from (the
// session's other connections get the batch without it), or is a batch
// of its own when the action changed nothing: one frame per action.
const (
	opReplace      = 'r'
	opAppend       = 'a'
	opRemove       = 'x'
	opInsertAfter  = 'i'
	opInsertBefore = 'b'
	opText         = 't'
	opAttrs        = 's'
	opTitle        = 'T'
	opDataChanged  = 'd'
	opAck          = 'k'
)

// wireOp is an action's operation character and the number of fields
// after its id.
type wireOp struct {
	action string
	op     byte
	fields int
}

var wireOps = []wireOp{
	{statetemplate.ActionReplace, opReplace, 1},
	{statetemplate.ActionAppend, opAppend, 1},
	{statetemplate.ActionRemove, opRemove, 0},
	{statetemplate.ActionInsertAfter, opInsertAfter, 2},
	{statetemplate.ActionInsertBefore, opInsertBefore, 2},
	{statetemplate.ActionText, opText, 1},
	{statetemplate.ActionAttrs, opAttrs, 1},
	{statetemplate.ActionTitle, opTitle, 1},
}

// EncodeBatch returns the wire form of a batch, as package live sends it
// to the browser client, or nil when it has nothing to tell (no updates,
// or only no-ops, and no ack). Invalid UTF-8 in any string (a stray byte
// in session data passes through html/template) becomes U+FFFD, as a text
// message requires. It fails only on an action the wire form does not
// have.
func EncodeBatch(b Batch) ([]byte, error) {
	msg, err := encodeUpdates(b.Updates)
	if err != nil || b.Ack == 0 {
		return msg, err
	}
	return withAck(msg, b.Ack), nil
}

// encodeUpdates is EncodeBatch without an ack.
func encodeUpdates(updates []statetemplate.Update) ([]byte, error) {
	b, err := prepare(updates, nil, nil)
	if err != nil {
		return nil, err
	}
	return b.write(nil, false), nil
}

// batch is a batch of updates ready to be written: the fields of its
// records (ids, targets, html and data_changed paths, invalid UTF-8
// repaired), the operation of each update, its separator, and the length
// of its version-2 form.
type batch struct {
	updates []statetemplate.Update
	ops     []wireOp // of each update; a no-op's is the zero wireOp
	fields  []string
	sep     rune
	plain   int
}

// prepare checks that every update has a wire form and gathers the
// records' fields, into ops and fields when they are large enough
// (a connection's scratch, see wireState.encode).
func prepare(updates []statetemplate.Update, ops []wireOp, fields []string) (batch, error) {
	n := 0
	for i := range updates {
		n += 3 + len(updates[i].DataChanged)
	}
	b := batch{updates: updates, ops: slices.Grow(ops[:0], len(updates))[:len(updates)], fields: slices.Grow(fields[:0], n)}
	seps, text := 0, 0 // separators and other bytes of the version-2 form
	for i := range updates {
		u := &updates[i]
		if u.IsNoOp {
			b.ops[i] = wireOp{}
			continue
		}
		op, ok := opOf(u.Action)
		if !ok {
			return batch{}, fmt.Errorf("live: no wire form for action %q", u.Action)
		}
		b.ops[i] = op
		b.fields = append(b.fields, valid(u.FragmentID), valid(u.TargetID), valid(u.HTML))
		for _, p := range u.DataChanged {
			b.fields = append(b.fields, valid(p))
		}
		last := b.fields[len(b.fields)-3-len(u.DataChanged):]
		if len(u.DataChanged) > 0 {
			seps, text = seps+1+len(u.DataChanged), text+1
			for _, p := range last[3:] {
				text += len(p)
			}
		}
		seps, text = seps+1+op.fields, text+1+len(last[0])
		if op.fields == 2 {
			text += len(last[1])
		}
		if op.fields > 0 {
			text += len(last[2])
		}
	}
	if len(b.fields) > 0 {
		b.sep = separators(b.fields)
		b.plain = seps*utf8.RuneLen(b.sep) + text
	}
	return b, nil
}

// write writes the batch: in version 2 when w is nil, else in version 5
// for the connection w, keeping w as the client will, with the short
// forms where w.short allows them (compressed: the message goes through
// deflate). It is nil when the batch has no record.
func (b batch) write(w *wireState, compressed bool) []byte {
	if len(b.fields) == 0 {
		return nil
	}
	out := make([]byte, 0, b.plain) // version 5 is never longer, but for padding
	record := func(op byte, id string) {
		out = utf8.AppendRune(out, b.sep)
		out = append(out, op)
		out = append(out, id...)
	}
	field := func(s string) {
		out = utf8.AppendRune(out, b.sep+1)
		out = append(out, s...)
	}
	short, pos := false, 0 // pos: where the record starts in the version-2 form
	named := func(op byte, id string) {
		if ref, ok := w.ref(id); ok && short {
			record(op-'a'+'A', ref)
			return
		}
		record(op, id)
		w.learn(id)
		w.whole(op, id)
	}
	k := 0
	for i := range b.updates {
		u := &b.updates[i]
		if u.IsNoOp {
			continue
		}
		op := b.ops[i]
		id, target, html, paths := b.fields[k], b.fields[k+1], b.fields[k+2], b.fields[k+3:k+3+len(u.DataChanged)]
		k += 3 + len(u.DataChanged)
		if w != nil {
			short = w.short(compressed, pos >= b.plain-compressTail, b.sep, op.op, id)
			pos += b.recordLen(op, paths, id, target, html)
		}
		if len(paths) > 0 {
			record(opDataChanged, "")
			for _, p := range paths {
				field(p)
			}
		}
		if w == nil {
			record(op.op, id)
		} else {
			note := touch{op: op.op, id: id, target: target, html: html}
			switch op.op {
			case opTitle:
				record(opTitleV3, "")
				field(html)
				continue
			case opText:
				if s, n := w.splice(id, html, short, compressed, b.fields); n > 0 {
					named(opSplice, id)
					for _, f := range s[:n] {
						field(f)
					}
					w.note(note)
					continue
				}
			case opReplace:
				q, isQ, g := w.replaceForms(id, html, short, compressed)
				if isQ {
					named(opSpliceHTML, id)
					for _, f := range q {
						field(f)
					}
					w.note(note)
					continue
				}
				if g != nil {
					named(opGet, id)
					for _, f := range g {
						field(f)
					}
					named(opReplace, id)
					field("")
					w.note(note)
					continue
				}
			case opAppend:
				// The element's text now holds the appended html's too:
				// its next text goes whole.
				w.dropText(id)
				w.forget(html)
			case opInsertAfter, opInsertBefore:
				// A compressed message after one that carried an insert
				// whole takes its html from there: only a cold insert
				// is built from a base.
				cold := !compressed || !w.heads[head{op.op, ""}]
				if g, made, ok := w.derive(target, id, html, short && cold); ok && w.getLen(target, g, short, compressed) < len(html) {
					w.predicted = true
					w.forget(made)
					named(opGet, target)
					for _, f := range g {
						field(f)
					}
					named(op.op, id)
					field(target)
					field("")
					w.note(note)
					continue
				}
				w.given.id = ""
				w.forget(html)
				w.whole(op.op, "")
			case opAttrs:
				w.rememberHTML(id, html)
			}
			named(op.op, id)
			w.note(note)
		}
		if op.fields == 2 {
			field(target)
		}
		if op.fields > 0 {
			field(html)
		}
	}
	return out
}

// recordLen is the length of an update's records in the version-2 form.
func (b batch) recordLen(op wireOp, paths []string, id, target, html string) int {
	sep := utf8.RuneLen(b.sep)
	n := sep + 1 + len(id)
	if len(paths) > 0 {
		n += sep + 1
		for _, p := range paths {
			n += sep + len(p)
		}
	}
	if op.fields == 2 {
		n += sep + len(target)
	}
	if op.fields > 0 {
		n += sep + len(html)
	}
	return n
}

func opOf(action string) (wireOp, bool) {
	for _, o := range wireOps {
		if o.action == action {
			return o, true
		}
	}
	return wireOp{}, false
}

// separators returns the record separator R for a message holding
// fields: R and R+1 occur in none of them.
func separators(fields []string) rune {
	var c0 uint32 // the C0 controls present
	for _, f := range fields {
		for i := 0; i < len(f); i++ {
			if f[i] < 0x20 {
				c0 |= 1 << f[i]
			}
		}
	}
	for _, r := range [...]rune{0x1e, 0x1c, 0x1a, 0x18, 0x16, 0x14, 0x12, 0x10, 0x0e, 0x07, 0x05, 0x03, 0x01} {
		if c0&(3<<r) == 0 {
			return r
		}
	}
	// Every pair of controls is taken: use a pair of private-use
	// characters. 32 fields cannot hold all 6,400 of them.
	seen := make(map[rune]bool)
	for _, f := range fields {
		for _, c := range f {
			if c >= 0xe000 && c <= 0xf8ff {
				seen[c] = true
			}
		}
	}
	r := rune(0xe000)
	for seen[r] || seen[r+1] {
		r += 2
	}
	return r
}

// withAck returns batch, a message of encodeUpdates or nil, with the
// acknowledgment of the action seq at its end.
func withAck(batch []byte, seq int64) []byte {
	r := "\x1e"
	if len(batch) > 0 {
		_, n := utf8.DecodeRune(batch)
		r = string(batch[:n])
	}
	out := make([]byte, 0, len(batch)+len(r)+21)
	out = append(out, batch...)
	out = append(out, r...)
	out = append(out, opAck)
	return strconv.AppendInt(out, seq, 10)
}

// Batch is what one message of updates carries: the updates, in order,
// and the acknowledgment it ends with (the action's _seq), 0 when none.
type Batch struct {
	Updates []statetemplate.Update
	Ack     int64
}

// DecodeBatch parses a batch in the wire form (see EncodeBatch) for Go
// clients and tests. It accepts exactly the batches whose every record
// the browser client applies (client/src/apply.js): a record of an
// unknown operation or with the wrong number of fields fails the batch,
// and the client asks for a resync instead. data_changed records are for
// page script; their paths go to the next update, and any other id or
// count of fields is ignored, as the client ignores them. An ack must be
// a decimal number (the client would settle no action with another).
// Timestamps and html_hash are not on the wire and stay empty. Errors
// wrap ErrBadUpdates.
func DecodeBatch(msg []byte) (Batch, error) {
	ups, ack, err := decodeMessage(msg, nil, nil, func(op byte, id string, f []string) (statetemplate.Update, bool, error) {
		u, err := decodeRecord(op, id, f)
		return u, true, err
	})
	return Batch{Updates: ups, Ack: ack}, err
}

// decodeMessage parses a batch whose records other than data_changed and
// ack decode decodes, appending its updates to out[:0]; the updates are
// nil when there are none and out has no room, and on an error. fields,
// when not nil, is scratch for the fields of a record, which decode must
// not keep.
func decodeMessage(msg []byte, out []statetemplate.Update, fields *[]string, decode func(op byte, id string, f []string) (statetemplate.Update, bool, error)) ([]statetemplate.Update, int64, error) {
	out = out[:0]
	if !utf8.Valid(msg) {
		return nil, 0, fmt.Errorf("%w: not UTF-8", ErrBadUpdates)
	}
	r, size := utf8.DecodeRune(msg)
	// The client reads R and R+1 as UTF-16 code units: R is in the BMP,
	// and R+1 not a surrogate.
	if size == 0 || r == '{' || r >= 0xd7ff && r < 0xe000 || r >= 0xffff {
		return nil, 0, fmt.Errorf("%w: does not start with a separator", ErrBadUpdates)
	}
	s := string(msg[size:]) // the updates and the decoder keep its text
	var rb, sb [utf8.UTFMax]byte
	rs, sep := string(utf8.AppendRune(rb[:0], r)), string(utf8.AppendRune(sb[:0], r+1))
	var f []string
	if fields != nil {
		f = *fields
	}
	var paths []string
	var ack int64
	for more := true; more; {
		var rec string
		rec, s, more = strings.Cut(s, rs)
		head, rest, split := strings.Cut(rec, sep)
		f = f[:0]
		for split {
			var x string
			x, rest, split = strings.Cut(rest, sep)
			f = append(f, x)
		}
		if head == "" {
			return nil, 0, fmt.Errorf("%w: an empty record", ErrBadUpdates)
		}
		op, id := head[0], head[1:]
		switch op {
		case opDataChanged:
			paths = nil
			if len(f) > 0 {
				paths = slices.Clone(f)
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
		if cap(out) == 0 { // room for this record and every one after it
			n := 1
			if more {
				n += 1 + strings.Count(s, rs)
			}
			out = make([]statetemplate.Update, 0, n)
		}
		out = append(out, u)
	}
	if fields != nil && cap(f) <= maxScratch {
		clear(f[:cap(f)]) // it keeps no message's text
		*fields = f[:0]
	}
	return out, ack, nil
}

func decodeRecord(op byte, id string, f []string) (statetemplate.Update, error) {
	for _, o := range wireOps {
		if o.op != op {
			continue
		}
		if len(f) != o.fields {
			return statetemplate.Update{}, fmt.Errorf("%w: %q takes %d fields, not %d", ErrBadUpdates, op, o.fields, len(f))
		}
		u := statetemplate.Update{Action: o.action, FragmentID: id}
		switch o.fields {
		case 1:
			u.HTML = f[0]
		case 2:
			u.TargetID, u.HTML = f[0], f[1]
		}
		return u, nil
	}
	return statetemplate.Update{}, fmt.Errorf("%w: unknown operation %q", ErrBadUpdates, op)
}
