package session

import (
	"bytes"
	"cmp"
	"reflect"
	"slices"
	"sync/atomic"
	"unsafe"
)

// minMemoList is the length from which listMemo keeps a list field's
// encoding: a shorter list costs less to encode than its copy holds.
const minMemoList = 128

// listMemo is what a session keeps to encode its data without encoding
// its large lists again while they do not change: for each list field of
// the data's root struct (a slice of structs of bools, numbers, strings,
// times and pointers to such), a deep copy of the list as last encoded and
// its encoding. A list equal to its copy, field by field, encodes to the
// same bytes, so its encoding is carried over; the rest of the root is
// encoded as a proxy struct whose list fields are markers, each of which
// the list's encoding replaces. The result is byte for byte what the codec
// gives for the data. In memory only, dropped when the session is
// packed.
type listMemo struct {
	typ     reflect.Type
	lists   []listCopy    // by rootShape.lists
	proxy   reflect.Value // a proxy struct, reused; zeroed after each use
	scratch bytes.Buffer  // the proxy's encoding
}

// listSlot holds a session's listMemo between updates: the update that
// encodes takes it out and puts it back, so that two never share one.
type listSlot struct {
	memo atomic.Pointer[listMemo]
}

// listCopy is one list as last encoded.
type listCopy struct {
	copy reflect.Value // the list's own deep copy, or the zero Value
	enc  []byte        // its encoding: the array's head, then each element's
	head int           // the length of the head
	ends []int         // where each element's encoding ends in enc
	// The previous enc and ends, written over by the next change, and the
	// changed elements and their encodings, for the next call.
	spare     []byte
	spareEnds []int
	changed   []int
	elems     bytes.Buffer
	// short is the encoding of a list shorter than minMemoList, encoded
	// on every call and kept no copy of.
	short bytes.Buffer
}

// encodeWithLists appends the canonical encoding of v to buf, as
// encodeDataTo does, carrying over the encodings memo keeps of v's
// unchanged large lists. It returns the memo for the next call: nil when
// v's type or lists take none.
func encodeWithLists(buf *bytes.Buffer, v any, memo *listMemo) (*listMemo, error) {
	t := reflect.TypeOf(v)
	rs := rootShapeOf(t)
	if rs == nil {
		return nil, encodeDataTo(buf, v)
	}
	rv := reflect.ValueOf(v)
	if rs.ptr {
		if rv.IsNil() {
			return nil, encodeDataTo(buf, v)
		}
		rv = rv.Elem()
	}
	long := false
	for _, l := range rs.lists {
		n := rv.Field(l.index).Len()
		if n == 0 {
			// An empty list may be left out (omitempty), where a
			// marker would not be: encoded whole, the memo kept.
			return memo, encodeDataTo(buf, v)
		}
		long = long || n >= minMemoList
	}
	if !long {
		return nil, encodeDataTo(buf, v)
	}
	if memo == nil || memo.typ != t {
		memo = &listMemo{typ: t, lists: make([]listCopy, len(rs.lists)), proxy: reflect.New(rs.proxy).Elem()}
	}
	if !memo.encode(buf, rs, rv) {
		return nil, encodeDataTo(buf, v)
	}
	return memo, nil
}

// encode appends the encoding of rv, a root struct of rs, to buf. It
// reports false, with buf as it was, when the codec fails on a list or
// the proxy, or a marker is not found exactly once; memo is then to be
// dropped.
func (memo *listMemo) encode(buf *bytes.Buffer, rs *rootShape, rv reflect.Value) bool {
	for k, l := range rs.lists {
		if !memo.lists[k].update(rv.Field(l.index), l.elem) {
			return false
		}
	}
	p := memo.proxy
	defer p.SetZero() // keep none of the data's values between calls
	for _, i := range rs.fields {
		p.Field(i).Set(rv.Field(i))
	}
	for _, l := range rs.lists {
		p.Field(l.index).Set(l.marker)
	}
	memo.scratch.Reset()
	if err := getCodec().enc.MarshalToBuffer(p.Addr().Interface(), &memo.scratch); err != nil {
		return false
	}
	out := memo.scratch.Bytes()
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
	last := 0
	for _, a := range at {
		buf.Write(out[last:a[0]])
		buf.Write(memo.lists[a[1]].enc)
		last = a[0] + len(rs.lists[a[1]].mark)
	}
	buf.Write(out[last:])
	return true
}

// update makes c hold list l, whose elements have shape s, and its
// encoding: an element equal to its copy keeps its encoding, another is
// copied and encoded again. A list of another length is copied and encoded
// whole; one shorter than minMemoList is encoded, not copied. It reports
// false when the codec fails, leaving c empty.
func (c *listCopy) update(l reflect.Value, s *valueShape) bool {
	n := l.Len()
	if n < minMemoList {
		*c = listCopy{short: c.short}
		c.short.Reset()
		if getCodec().enc.MarshalToBuffer(l.Interface(), &c.short) != nil {
			return false
		}
		c.enc = c.short.Bytes()
		return true
	}
	ok := false
	if !c.copy.IsValid() || c.copy.Type() != l.Type() || c.copy.Len() != n {
		ok = c.rebuild(l, s)
	} else {
		ok = c.patch(l, s)
	}
	if !ok {
		*c = listCopy{}
	}
	return ok
}

// rebuild copies and encodes list l, of another length than c's copy
// (or with no copy yet): the elements at its start and at its end that
// equal those at the start and end of the copy keep their copies and
// encodings (an element inserted or removed costs one element), the
// others are copied and encoded one by one.
func (c *listCopy) rebuild(l reflect.Value, s *valueShape) bool {
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
	cp := reflect.MakeSlice(l.Type(), n, n)
	out := bytes.NewBuffer(make([]byte, 0, len(c.enc)+len(c.enc)/8+len(head)))
	out.Write(head)
	ends := make([]int, n)
	// The copies kept are the old copy's: deep already, and never
	// written through (a changed element gets new pointers).
	if pre > 0 {
		reflect.Copy(cp.Slice(0, pre), c.copy.Slice(0, pre))
		shift := len(head) - c.start(0)
		out.Write(c.enc[c.start(0):c.start(pre)])
		for k := range pre {
			ends[k] = c.ends[k] + shift
		}
	}
	em := getCodec().enc
	for i := pre; i < n-suf; i++ {
		e := l.Index(i)
		s.copyTo(cp.Index(i), e)
		if em.MarshalToBuffer(e.Addr().Interface(), out) != nil {
			return false
		}
		ends[i] = out.Len()
	}
	if suf > 0 {
		reflect.Copy(cp.Slice(n-suf, n), c.copy.Slice(m-suf, m))
		shift := out.Len() - c.start(m-suf)
		out.Write(c.enc[c.start(m-suf):c.ends[m-1]])
		for k := range suf {
			ends[n-suf+k] = c.ends[m-suf+k] + shift
		}
	}
	c.copy, c.enc, c.head, c.ends = cp, out.Bytes(), len(head), ends
	c.spare, c.spareEnds = nil, nil
	return true
}

// patch updates c to list l, of the length of c's copy: the elements that
// differ from their copies are copied and encoded, the others' encodings
// carried over.
func (c *listCopy) patch(l reflect.Value, s *valueShape) bool {
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
		return true
	}
	em := getCodec().enc
	c.elems.Reset()
	at := make([]int, 0, len(c.changed)+1)
	at = append(at, 0)
	for _, i := range c.changed {
		e := l.Index(i)
		s.copyTo(c.copy.Index(i), e)
		if em.MarshalToBuffer(e.Addr().Interface(), &c.elems) != nil {
			return false
		}
		at = append(at, c.elems.Len())
	}
	elems := c.elems.Bytes()
	out := append(c.spare[:0], c.enc[:c.head]...)
	ends := slices.Grow(c.spareEnds[:0], n)[:n]
	next := 0               // the first element not yet in out
	carry := func(to int) { // the old encodings of elements next..to-1
		from := c.start(next)
		shift := len(out) - from
		out = append(out, c.enc[from:c.start(to)]...)
		for k := next; k < to; k++ {
			ends[k] = c.ends[k] + shift
		}
	}
	for j, i := range c.changed {
		carry(i)
		out = append(out, elems[at[j]:at[j+1]]...)
		ends[i] = len(out)
		next = i + 1
	}
	carry(n)
	c.spare, c.enc = c.enc, out
	c.spareEnds, c.ends = c.ends, ends
	return true
}

// start returns where element i's encoding starts in c.enc.
func (c *listCopy) start(i int) int {
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
