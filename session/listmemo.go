package session

import (
	"bytes"
	"cmp"
	"reflect"
	"slices"
	"sync/atomic"
	"unsafe"
)

// minMemoList is the length from which listMemo keeps the copy of a list
// whose elements hold no time: a shorter one costs less to encode than to
// compare and splice (the ticker's 12 rows, BENCHMARKS.md). A list whose
// elements hold a time is kept from one element: cbor formats each time
// (RFC 3339), which costs more than the comparison that spares it.
const minMemoList = 128

// keeps reports whether listMemo keeps a copy of a list of n elements of
// shape s.
func keeps(n int, s *valueShape) bool {
	return n > 0 && (s.timed || n >= minMemoList)
}

// listMemo is what a session keeps to encode its data without encoding
// its lists again while they do not change: for each list field of
// the data's root struct (a slice of structs of bools, numbers, strings,
// times and pointers to such), a deep copy of the list as last encoded and
// where its encoding is in the data snapshot. A list equal to its copy,
// field by field, encodes to the same bytes, so its encoding is carried
// over, and of a changed list only the changed elements are encoded; the
// rest of the root is encoded as a proxy struct whose list fields are
// markers, each of which the list's encoding replaces. The result is byte
// for byte what the codec gives for the data. In memory only, dropped when
// the record is packed.
type listMemo struct {
	typ   reflect.Type
	lists []listCopy    // by rootShape.lists
	proxy reflect.Value // a proxy struct, reused; zeroed after each use
}

// listSlot holds a session's listMemo between updates: the update that
// encodes takes it out and puts it back, so that two never share one.
type listSlot struct {
	memo atomic.Pointer[listMemo]
}

// listCopy is one list as last encoded.
type listCopy struct {
	copy reflect.Value // the list's own deep copy, or the zero Value
	// enc is the list's encoding in the data snapshot (see rebase): the
	// array's head, then each element's, which end at ends. off and size
	// are where encode wrote it.
	enc       []byte
	head      int
	ends      []int
	off, size int
	// uncaptured counts the copy's elements that are not Captured.
	uncaptured int
	// The changed elements and their encodings, for the next call.
	changed []int
	at      []int
	elems   bytes.Buffer
}

// encodeWithLists appends the canonical encoding of v to buf, as
// encodeDataTo does, carrying over the encodings memo keeps of v's
// unchanged lists, and reports whether v is Captured. It returns the
// memo for the next call (nil when v's type or lists take none), which
// must be rebased onto the bytes appended, or bytes equal to them, before
// it is used again. Of a list it keeps, only the elements that changed
// are checked for Captured: an unchanged element compares equal to its
// copy, location included, so its verdict stands.
func encodeWithLists(buf *bytes.Buffer, v any, memo *listMemo) (*listMemo, bool, error) {
	whole := func() (*listMemo, bool, error) {
		return nil, Captured(reflect.ValueOf(v)), encodeDataTo(buf, v)
	}
	t := reflect.TypeOf(v)
	rs := rootShapeOf(t)
	if rs == nil {
		return whole()
	}
	rv := reflect.ValueOf(v)
	if rs.ptr {
		if rv.IsNil() {
			return whole()
		}
		rv = rv.Elem()
	}
	kept := false
	for _, l := range rs.lists {
		n := rv.Field(l.index).Len()
		if n == 0 {
			// An empty list may be left out (omitempty), where a marker
			// would not be: encoded whole.
			return whole()
		}
		kept = kept || keeps(n, l.elem)
	}
	if !kept {
		return whole()
	}
	if memo == nil || memo.typ != t {
		memo = &listMemo{typ: t, lists: make([]listCopy, len(rs.lists)), proxy: reflect.New(rs.proxy).Elem()}
	}
	if !memo.encode(buf, rs, rv) {
		return whole()
	}
	return memo, memo.captured(rs, rv), nil
}

// captured reports whether rv, a root struct of rs that encode has just
// written, is Captured: its other fields are checked, its kept lists by
// the count of their copies' elements that are not.
func (memo *listMemo) captured(rs *rootShape, rv reflect.Value) bool {
	for _, i := range rs.fields {
		if !Captured(rv.Field(i)) {
			return false
		}
	}
	for k, l := range rs.lists {
		c := &memo.lists[k]
		if c.copy.IsValid() {
			if c.uncaptured > 0 {
				return false
			}
		} else if !Captured(rv.Field(l.index)) {
			return false
		}
	}
	return true
}

// encode appends the encoding of rv, a root struct of rs, to buf. It
// reports false, with buf as it was, when the codec fails on the proxy or
// a changed element, or a marker is not found exactly once; memo is then
// to be dropped.
func (memo *listMemo) encode(buf *bytes.Buffer, rs *rootShape, rv reflect.Value) bool {
	p := memo.proxy
	defer p.SetZero() // keep none of the data's values between calls
	for _, i := range rs.fields {
		p.Field(i).Set(rv.Field(i))
	}
	for _, l := range rs.lists {
		p.Field(l.index).Set(l.marker)
	}
	scratch := getBuffer()
	defer putBuffer(scratch)
	if err := getCodec().enc.MarshalToBuffer(p.Addr().Interface(), scratch); err != nil {
		return false
	}
	out := scratch.Bytes()
	var room [4][2]int
	at := room[:0] // position of each list's marker, and the list
	for k, l := range rs.lists {
		i := bytes.Index(out, l.mark)
		if i < 0 || bytes.Contains(out[i+len(l.mark):], l.mark) {
			return false
		}
		at = append(at, [2]int{i, k})
	}
	slices.SortFunc(at, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	base, last := buf.Len(), 0
	for _, a := range at {
		buf.Write(out[last:a[0]])
		l := rs.lists[a[1]]
		if !memo.lists[a[1]].writeTo(buf, base, rv.Field(l.index), l.elem) {
			buf.Truncate(base)
			return false
		}
		last = a[0] + len(l.mark)
	}
	buf.Write(out[last:])
	return true
}

// rebase points the kept encodings into enc, the bytes encode appended
// (or bytes equal to them, such as the data snapshot), which must not
// change while memo is kept. A nil memo is left as it is.
func (memo *listMemo) rebase(enc []byte) {
	if memo == nil {
		return
	}
	for k := range memo.lists {
		c := &memo.lists[k]
		switch {
		case !c.copy.IsValid():
		case c.off+c.size > len(enc):
			*c = listCopy{} // not what encode appended: start afresh
		default:
			c.enc = enc[c.off : c.off+c.size : c.off+c.size]
		}
	}
}

// writeTo appends the encoding of list l, whose elements have shape s,
// to buf (whose encoding started at base), and keeps l's copy: an element
// equal to its copy keeps its encoding, another is copied and encoded
// again. A list of another length keeps the elements its start and end
// share with the copy; one listMemo does not keep (see keeps) is encoded,
// not copied. It reports false when the codec fails, leaving c empty.
func (c *listCopy) writeTo(buf *bytes.Buffer, base int, l reflect.Value, s *valueShape) bool {
	n, start := l.Len(), buf.Len()
	if !keeps(n, s) {
		*c = listCopy{}
		return getCodec().enc.MarshalToBuffer(l.Interface(), buf) == nil
	}
	if len(c.enc) != c.size {
		c.copy = reflect.Value{} // not rebased: start afresh
	}
	var ok bool
	if !c.copy.IsValid() || c.copy.Type() != l.Type() || c.copy.Len() != n {
		ok = c.rebuild(buf, l, s)
	} else {
		ok = c.patch(buf, l, s)
	}
	if !ok {
		*c = listCopy{}
		return false
	}
	c.off, c.size, c.enc = start-base, buf.Len()-start, nil // until rebase
	return true
}

// rebuild writes list l, of another length than c's copy (or with no copy
// yet): the elements at its start and at its end that equal those at the
// start and end of the copy keep their copies and encodings (an element
// inserted or removed costs one element); the others are copied and
// encoded one by one.
func (c *listCopy) rebuild(buf *bytes.Buffer, l reflect.Value, s *valueShape) bool {
	n := l.Len()
	head, ok := arrayHead(n)
	if !ok {
		return false
	}
	m, pre, suf := 0, 0, 0
	if c.copy.IsValid() && c.copy.Type() == l.Type() {
		m = c.copy.Len()
		size := s.typ.Size()
		a, b := l.UnsafePointer(), c.copy.UnsafePointer()
		for pre < min(n, m) && s.equal(unsafe.Add(a, uintptr(pre)*size), unsafe.Add(b, uintptr(pre)*size)) {
			pre++
		}
		for suf < min(n, m)-pre && s.equal(unsafe.Add(a, uintptr(n-1-suf)*size), unsafe.Add(b, uintptr(m-1-suf)*size)) {
			suf++
		}
	}
	start := buf.Len()
	cp := reflect.MakeSlice(l.Type(), n, n)
	ends := make([]int, n)
	buf.Write(head)
	// The copies kept are the old copy's: deep already, and never
	// written through (a changed element gets new pointers).
	if pre > 0 {
		reflect.Copy(cp.Slice(0, pre), c.copy.Slice(0, pre))
		c.carry(buf, start, ends, 0, pre, 0)
	}
	em := getCodec().enc
	for i := pre; i < n-suf; i++ {
		e := l.Index(i)
		s.copyTo(cp.Index(i), e)
		if em.MarshalToBuffer(e.Addr().Interface(), buf) != nil {
			return false
		}
		ends[i] = buf.Len() - start
	}
	if suf > 0 {
		reflect.Copy(cp.Slice(n-suf, n), c.copy.Slice(m-suf, m))
		c.carry(buf, start, ends, m-suf, m, n-suf)
	}
	// The carried elements keep their verdicts: the old copy's count,
	// less its elements not carried, plus the new ones.
	bad := 0
	if w := timeWalkOf(s.typ); w != nil {
		if m > 0 {
			bad = c.uncaptured - w.uncaptured(c.copy.UnsafePointer(), pre, m-suf)
		}
		bad += w.uncaptured(cp.UnsafePointer(), pre, n-suf)
	}
	c.copy, c.head, c.ends, c.uncaptured = cp, len(head), ends, bad
	return true
}

// patch writes list l, of the length of c's copy: the elements that
// differ from their copies are copied and encoded, the others' encodings
// carried over.
func (c *listCopy) patch(buf *bytes.Buffer, l reflect.Value, s *valueShape) bool {
	n := l.Len()
	size := s.typ.Size()
	a, b := l.UnsafePointer(), c.copy.UnsafePointer()
	c.changed = c.changed[:0]
	for i := range n {
		if !s.equal(unsafe.Add(a, uintptr(i)*size), unsafe.Add(b, uintptr(i)*size)) {
			c.changed = append(c.changed, i)
		}
	}
	if len(c.changed) == 0 {
		buf.Write(c.enc)
		return true
	}
	em := getCodec().enc
	w := timeWalkOf(s.typ)
	c.elems.Reset()
	c.at = append(c.at[:0], 0)
	for _, i := range c.changed {
		e, ce := l.Index(i), c.copy.Index(i)
		if w != nil {
			// The old copy's verdict out, the new element's in.
			if !w.captured(ce.Addr().UnsafePointer(), 0) {
				c.uncaptured--
			}
			if !w.captured(e.Addr().UnsafePointer(), 0) {
				c.uncaptured++
			}
		}
		s.copyTo(ce, e)
		if em.MarshalToBuffer(e.Addr().Interface(), &c.elems) != nil {
			return false
		}
		c.at = append(c.at, c.elems.Len())
	}
	elems := c.elems.Bytes()
	start := buf.Len()
	buf.Write(c.enc[:c.head])
	ends := make([]int, n)
	next := 0 // the first element not yet written
	for j, i := range c.changed {
		c.carry(buf, start, ends, next, i, next)
		buf.Write(elems[c.at[j]:c.at[j+1]])
		ends[i] = buf.Len() - start
		next = i + 1
	}
	c.carry(buf, start, ends, next, n, next)
	c.ends = ends
	return true
}

// carry writes the kept encodings of the copy's elements from..to-1 to
// buf, where the list being written started at start, as the elements
// from at; their ends go to ends.
func (c *listCopy) carry(buf *bytes.Buffer, start int, ends []int, from, to, at int) {
	if from == to {
		return
	}
	shift := buf.Len() - start - c.begin(from)
	buf.Write(c.enc[c.begin(from):c.ends[to-1]])
	for k := from; k < to; k++ {
		ends[at+k-from] = c.ends[k] + shift
	}
}

// begin returns where element i's encoding starts in c.enc.
func (c *listCopy) begin(i int) int {
	if i == 0 {
		return c.head
	}
	return c.ends[i-1]
}

// arrayHead returns the codec's head of an array of n items: its encoding
// of n empty structs (each an empty map, 0xa0), without them.
func arrayHead(n int) ([]byte, bool) {
	b, err := getCodec().enc.Marshal(make([]struct{}, n))
	if err != nil || len(b) < n {
		return nil, false
	}
	head, items := b[:len(b)-n], b[len(b)-n:]
	for _, x := range items {
		if x != 0xa0 {
			return nil, false
		}
	}
	return head, true
}
