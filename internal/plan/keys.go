package plan

import (
	"encoding/binary"
	"reflect"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cespare/xxhash/v2"

	"github.com/livefir/statetemplate/internal/cborpath"
	"github.com/livefir/statetemplate/session"
)

// A key says what a unit's output depends on: the exact bytes of the
// canonical encoding of everything it reads. Equal keys of one unit mean
// equal output, given that the template's functions and the data's
// methods are deterministic (see Options.Volatile).

type locKind uint8

const (
	locNone     locKind = iota // cannot be keyed
	locEnc                     // bytes [start, end) of the run's encoding
	locAbsent                  // a field the encoding omits: its zero value
	locDetached                // a computed value, keyed by its own encoding
)

// loc is where an input's value is.
type loc struct {
	kind locKind
	// entry says that the value is a root entry's whole value, and root
	// which entry of the data's root map the value is in (see
	// rootfields.go): 1 + its index in the run's root entries, rootAbsent
	// for a top-level field the encoding omits, 0 for none (the whole
	// data, a computed value).
	entry      bool
	root       int32
	start, end int
	typ        reflect.Type
	val        reflect.Value // locDetached
}

var timeType = reflect.TypeFor[time.Time]()

// whole reports whether l is the whole data.
func (r *run) whole(l loc) bool { return l.kind == locEnc && l.start == 0 && l.end == len(r.enc) }

// resolve returns where path under l is, or l itself where the path
// cannot be followed in the encoding: a method, a value of another kind,
// nil.
func (r *run) resolve(l loc, path []string) loc {
	for _, name := range path {
		n := r.step(l, name)
		if n.kind == locNone {
			return l
		}
		l = n
	}
	return l
}

// step returns field or map key name of l, or a loc of kind locNone.
func (r *run) step(l loc, name string) loc {
	if l.kind == locAbsent {
		return l // a field of a zero value is zero
	}
	if l.kind != locEnc || l.typ == nil {
		return loc{}
	}
	key, ft, ok := fieldKey(l.typ, name)
	if !ok {
		return loc{}
	}
	r.keyBuf = cborpath.TextKey(r.keyBuf[:0], key)
	return r.stepKey(l, r.keyBuf, ft)
}

// fieldKey returns the text key under which a value of type t encodes
// what a template reaches as .name, and its type; false when t's
// encoding does not hold it apart (see session.EncodedField).
func fieldKey(t reflect.Type, name string) (string, reflect.Type, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && t != timeType:
		return session.EncodedField(t, name)
	case t.Kind() == reflect.Map && t.Key() == stringType:
		return name, t.Elem(), true
	}
	return "", nil, false
}

// stepKey returns the value of type ft under the encoded text key key of
// the map at l (of kind locEnc), or a loc of kind locNone when l is not a
// map.
func (r *run) stepKey(l loc, key []byte, ft reflect.Type) loc {
	if r.enc[l.start] == cborpath.Null || !cborpath.IsMap(r.enc, cborpath.Range{Start: l.start, End: l.end}) {
		return loc{}
	}
	entries, err := r.entries(l)
	if err != nil {
		return loc{}
	}
	k, ok := findEntry(r.enc, entries, key)
	root := l.root
	if r.whole(l) {
		root = rootAbsent
		if ok {
			root = int32(k) + 1
		}
	}
	if !ok {
		return loc{kind: locAbsent, typ: ft, root: root}
	}
	v := entries[k].Val
	return loc{kind: locEnc, start: v.Start, end: v.End, typ: ft, root: root, entry: r.whole(l)}
}

// findEntry returns the index of the entry of entries whose key is
// encoded exactly as key, and whether there is one.
func findEntry(b []byte, entries []cborpath.Entry, key []byte) (int, bool) {
	for k, e := range entries {
		if string(b[e.Key.Start:e.Key.End]) == string(key) {
			return k, true
		}
	}
	return 0, false
}

var stringType = reflect.TypeFor[string]()

// entries returns the entries of the map at l, parsed once per render.
func (r *run) entries(l loc) ([]cborpath.Entry, error) {
	t := r.top()
	if e, ok := t.maps[l.start]; ok {
		return e, nil
	}
	if l.start == 0 && l.end == len(r.enc) && t.prev != nil && t.prev.layout != nil {
		if e, ok := r.relayoutRoot(t.prev.layout); ok {
			t.keepMap(0, e)
			return e, nil
		}
	}
	// Appended to the run's buffer: the entries of earlier maps, below
	// its length, are never written again.
	at := len(t.entryBuf)
	all, err := cborpath.Entries(r.enc, cborpath.Range{Start: l.start, End: l.end}, t.entryBuf)
	if err != nil {
		return nil, err
	}
	t.entryBuf = all
	e := all[at:len(all):len(all)]
	t.keepMap(l.start, e)
	return e, nil
}

// keepMap memoizes the entries e of the map at start for the render.
func (r *run) keepMap(start int, e []cborpath.Entry) {
	if r.maps == nil {
		r.maps = map[int][]cborpath.Entry{}
	}
	r.maps[start] = e
}

// deriveLocs returns the locs of a unit's inputs from the caller's, by the
// unit's args; vals are the inputs' values, for those that are computed.
func (r *run) deriveLocs(dst []loc, caller []loc, args []sym, vals []reflect.Value) []loc {
	for i, v := range vals {
		var l loc
		if i < len(args) && args[i].in >= 0 && args[i].in < len(caller) && !args[i].all {
			l = r.resolve(caller[args[i].in], args[i].path)
		} else {
			l = loc{kind: locDetached, val: v}
		}
		dst = append(dst, l)
	}
	return dst
}

// eachRead calls fn with the bytes of each read of unit u in locs (nil
// for a field the encoding omits), once per distinct value, and reports
// false when u cannot be keyed: it is volatile, or reads a value whose
// encoding does not capture all a template can see of it.
func (r *run) eachRead(u *unit, locs []loc, fn func(in int, step string, b []byte)) bool {
	return r.eachReadIn(&u.rs, locs, nil, false, fn)
}

// eachReadIn is eachRead for the reads rs, of the inputs that want reports
// true (all when it is nil); fields narrows reads of every input to their
// field (see narrow).
func (r *run) eachReadIn(rs *readSet, locs []loc, want func(in int) bool, fields bool, fn func(in int, step string, b []byte)) bool {
	if rs.volatile {
		return false
	}
	var done [16]read
	n := 0
	one := func(in int, step string, l loc) bool {
		for _, d := range done[:n] {
			if d.in == in && d.step == step {
				return true
			}
		}
		if n < len(done) {
			done[n] = read{in: in, step: step}
			n++
		}
		switch l.kind {
		case locEnc:
			if !r.shareable(l.typ) {
				return false
			}
			fn(in, step, r.enc[l.start:l.end])
		case locAbsent:
			fn(in, step, nil)
		case locDetached:
			b, ok := r.detached(l.val)
			if !ok {
				return false
			}
			fn(in, step, b)
		default:
			return false
		}
		return true
	}
	if rs.all {
		for i := range locs {
			if (want == nil || want(i)) && !one(i, "", locs[i]) {
				return false
			}
		}
		return true
	}
	for _, rd := range rs.reads {
		if rd.in >= len(locs) {
			return false
		}
		if want != nil && !want(rd.in) {
			continue
		}
		l, step := r.narrow(locs[rd.in], rd, fields)
		if !one(rd.in, step, l) {
			return false
		}
	}
	return true
}

// narrow returns where field or map key step of input l is, and step,
// when l is the whole data, or with fields when the encoding holds the
// field apart: a shell key (fields) reads only the bytes of the fields the
// shell prints, so that a row whose cells changed keeps its shell. A
// unit's key reads any other input whole: a leaf row that prints most of
// its fields is keyed faster by one read of the row than by one per field
// (BenchmarkTickerPush, BENCHMARKS.md). Otherwise (a method, a value of
// another kind, a computed value) narrow returns l whole and "".
func (r *run) narrow(l loc, rd read, fields bool) (loc, string) {
	step := rd.step
	switch {
	case step == "":
		return l, ""
	case r.whole(l):
		return r.rootField(rd), step
	case !fields:
		return l, ""
	}
	if n := r.step(l, step); n.kind != locNone {
		return n, step
	}
	return l, ""
}

// shareable is session.Shareable, memoized for the render, and false for
// every type when the render's data is not session.Captured: bytes of its
// encoding do not decide what its parts print.
func (r *run) shareable(t reflect.Type) bool {
	if t == nil || r.in.uncaptured {
		return false
	}
	top := r.top()
	if ok, hit := top.share[t]; hit {
		return ok
	}
	ok := session.Shareable(t)
	if top.share == nil {
		top.share = map[reflect.Type]bool{}
	}
	top.share[t] = ok
	return ok
}

// key returns the key of unit u with inputs at locs: a 64-bit hash of
// what inputBytes returns, and false when u cannot be keyed.
func (r *run) key(u *unit, locs []loc) (uint64, bool) {
	ok := r.digestReads(&u.rs, locs, false)
	return r.digest.Sum64(), ok
}

// digestReads starts r.digest anew with the reads rs of inputs at locs,
// narrowed to their fields with fields (see narrow), and reports false
// when they cannot be keyed.
func (r *run) digestReads(rs *readSet, locs []loc, fields bool) bool {
	d := &r.digest
	d.Reset()
	d.WriteString(r.typeName)
	var hdr [12]byte
	return r.eachReadIn(rs, locs, nil, fields, func(in int, step string, b []byte) {
		d.Write(readHeader(hdr[:0], in, step, b))
		d.WriteString(step)
		if h, ok := r.rangeHash(b); ok {
			binary.LittleEndian.PutUint64(hdr[:8], h)
			d.Write(hdr[:8])
			return
		}
		d.Write(b)
	})
}

// bigRead is the size past which key hashes a read of the encoding once
// per render: the parts up the page read the same large values (a list).
const bigRead = 512

// rangeHash returns the hash of b when it is a large read of the run's
// encoding, computed once per render, and false for any other b.
func (r *run) rangeHash(b []byte) (uint64, bool) {
	t := r.top()
	if len(b) < bigRead || len(r.enc) == 0 {
		return 0, false
	}
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) - uintptr(unsafe.Pointer(unsafe.SliceData(r.enc))))
	if off < 0 || off+len(b) > len(r.enc) {
		return 0, false // not in the encoding: a computed value's own
	}
	k := [2]int{off, len(b)}
	if h, ok := t.hashes[k]; ok {
		return h, true
	}
	h := xxhash.Sum64(b)
	if t.hashes == nil {
		t.hashes = map[[2]int]uint64{}
	}
	t.hashes[k] = h
	return h, true
}

// rowKey returns the key of a row of g with inputs at locs. The reads the
// rows share (the root, the free variables) are hashed once per range;
// each row adds its element and index. A row that reads its element reads
// it whole (it is not the whole data), so the per-row part is the
// element's bytes, and the index when the row reads it.
func (r *run) rowKey(g *rangeRun, locs []loc) (uint64, bool) {
	u := g.u
	if !g.prefixDone {
		g.prefixDone = true
		r.rowPlan(g, locs)
	}
	if !g.prefixOK {
		return 0, false
	}
	d := &r.digest
	*d = g.prefix
	var hdr [12]byte
	if g.readsElem {
		el := locs[0]
		switch el.kind {
		case locEnc:
			d.Write(readHeader(hdr[:0], 0, "", r.enc[el.start:el.end]))
			d.Write(r.enc[el.start:el.end])
		default:
			return r.key(u, locs) // a computed element: keyed by its own encoding
		}
	}
	if g.readsIndex >= 0 {
		b, ok := r.detached(locs[g.readsIndex].val)
		if !ok {
			return 0, false
		}
		d.Write(readHeader(hdr[:0], g.readsIndex, "", b))
		d.Write(b)
	}
	return d.Sum64(), true
}

// rowPlan prepares rowKey for the rows of g: the digest of the shared
// reads, and which per-row inputs the rows read.
func (r *run) rowPlan(g *rangeRun, locs []loc) {
	u := g.u
	firstRange := 2 + len(u.vars)
	elemIn := -1 // the declared element variable
	g.readsIndex = -1
	switch len(u.rvars) {
	case 1:
		elemIn = firstRange
	case 2:
		elemIn = firstRange + 1
	}
	for _, rd := range u.rs.reads {
		switch {
		case rd.in == 0 || rd.in == elemIn:
			g.readsElem = true
		case len(u.rvars) == 2 && rd.in == firstRange:
			g.readsIndex = firstRange
		}
	}
	if u.rs.all {
		g.readsElem = true
		if len(u.rvars) == 2 {
			g.readsIndex = firstRange
		}
	}
	if g.readsElem && locs[0].kind == locEnc && !r.shareable(locs[0].typ) {
		return // prefixOK stays false
	}
	shared := func(in int) bool { return in >= 1 && in < firstRange }
	d := &g.prefix
	d.Reset()
	d.WriteString(r.typeName)
	var hdr [12]byte
	g.prefixOK = !u.rs.volatile && r.eachReadIn(&u.rs, locs, shared, false, func(in int, step string, b []byte) {
		d.Write(readHeader(hdr[:0], in, step, b))
		d.WriteString(step)
		d.Write(b)
	})
}

// inputBytes appends to dst everything key hashes: the input of a shared
// cache key, compared in full.
func (r *run) inputBytes(dst []byte, u *unit, locs []loc) ([]byte, bool) {
	dst = append(dst, r.typeName...)
	ok := r.eachRead(u, locs, func(in int, step string, b []byte) {
		dst = readHeader(dst, in, step, b)
		dst = append(append(dst, step...), b...)
	})
	return dst, ok
}

// readHeader appends the lengths that frame one read, so that no two
// different sets of reads give the same bytes by concatenation. An absent
// field has length 2^32-1.
func readHeader(dst []byte, in int, step string, b []byte) []byte {
	n := uint32(len(b))
	if b == nil {
		n = ^uint32(0)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(in))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(step)))
	return binary.LittleEndian.AppendUint32(dst, n)
}

// detachedString is what detached writes before a string's encoding.
const detachedString = "string\x00"

// detachedStrings counts the strings detached encoded itself, for the
// tests.
var detachedStrings atomic.Int64

// detached encodes a computed value, with its type: values of different
// types may encode alike and render differently.
func (r *run) detached(v reflect.Value) ([]byte, bool) {
	if !v.IsValid() {
		return []byte{cborpath.Null}, true
	}
	if v.Type() == stringType && !r.in.uncaptured {
		// A string (a map's key, as a range's index) is shareable and
		// captured, and its encoding is its text string
		// (TestDetached_StringIsItsEncoding): no encoder, one allocation.
		detachedStrings.Add(1)
		s := v.String()
		return cborpath.TextKey(append(make([]byte, 0, len(detachedString)+9+len(s)), detachedString...), s), true
	}
	if !r.shareable(v.Type()) || !session.Captured(v) {
		return nil, false
	}
	b, err := session.EncodeData(v.Interface())
	if err != nil {
		return nil, false
	}
	return append([]byte(v.Type().String()+"\x00"), b...), true
}
