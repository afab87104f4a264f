package live

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/livefir/statetemplate"
)

// ProtocolVersion is the version of the wire protocol this package and
// the browser client it serves speak. The client sends it in the
// WebSocket handshake (v=2) and the server's first message carries it
// ({"v":2}); on any mismatch the page reloads once, which fetches the
// client of the server it then talks to.
const ProtocolVersion = 2

// readyMessage is the first message of every connection whose session
// opened: the client treats the session as live from then on, once it
// has checked the version.
var readyMessage = []byte(`{"v":` + protocolVersion + `}`)

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
//	T  title             text (the id is empty)
//	d  data_changed      paths (the id is empty); it belongs to the next record
//	k  ack               - (the "id" is the action's _seq): the reply {"ack": seq}
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
	var fields []string // every id and field, to choose the separators
	n := 0
	for _, u := range updates {
		if u.IsNoOp {
			continue
		}
		fields = append(fields, u.FragmentID, u.TargetID, u.HTML)
		fields = append(fields, u.DataChanged...)
		n += 8 + len(u.FragmentID) + len(u.TargetID) + len(u.HTML)
		for _, p := range u.DataChanged {
			n += 1 + len(p)
		}
	}
	if n == 0 {
		return nil, nil
	}
	for i, f := range fields {
		if !utf8.ValidString(f) {
			fields[i] = strings.ToValidUTF8(f, "\uFFFD")
		}
	}
	r := separators(fields)
	var b strings.Builder
	b.Grow(n)
	k := 0
	record := func(op byte, id string) {
		b.WriteRune(r)
		b.WriteByte(op)
		b.WriteString(id)
	}
	field := func(s string) {
		b.WriteRune(r + 1)
		b.WriteString(s)
	}
	for _, u := range updates {
		if u.IsNoOp {
			continue
		}
		id, target, html, paths := fields[k], fields[k+1], fields[k+2], fields[k+3:k+3+len(u.DataChanged)]
		k += 3 + len(u.DataChanged)
		if len(paths) > 0 {
			record(opDataChanged, "")
			for _, p := range paths {
				field(p)
			}
		}
		op, ok := opOf(u.Action)
		if !ok {
			return nil, fmt.Errorf("live: no wire form for action %q", u.Action)
		}
		record(op.op, id)
		if op.fields == 2 {
			field(target)
		}
		if op.fields > 0 {
			field(html)
		}
	}
	return []byte(b.String()), nil
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
	ups, ack, err := decodeBatch(msg)
	return Batch{Updates: ups, Ack: ack}, err
}

func decodeBatch(msg []byte) ([]statetemplate.Update, int64, error) {
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
		u, err := decodeRecord(op, id, f)
		if err != nil {
			return nil, 0, err
		}
		u.DataChanged, paths = paths, nil
		out = append(out, u)
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
