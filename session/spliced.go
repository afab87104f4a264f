package session

import (
	"bytes"
	"sync"
	"unsafe"
)

// spliced is an encoding being written: the bytes of buf with byte slices
// held elsewhere spliced in at positions of buf. The encodings listMemo
// carries over (slices of the previous snapshot) are spliced rather than
// written, so that they are copied once, into the snapshot, and not into
// buf first; compared with the previous snapshot, a slice of it at its own
// place is equal without reading it. The spliced slices must not change
// until the snapshot is made.
type spliced struct {
	buf   *bytes.Buffer
	refs  []splice
	extra int // the bytes of refs
}

// splice is a slice spliced in before buf's byte at.
type splice struct {
	at int
	b  []byte
}

// splicedPool keeps spliced values with room for their splices, so that
// an encoding allocates none.
var splicedPool = sync.Pool{New: func() any { return &spliced{refs: make([]splice, 0, 8)} }}

// getSpliced returns an empty spliced encoding written after buf's bytes;
// putSpliced gives it back, keeping nothing it spliced.
func getSpliced(buf *bytes.Buffer) *spliced {
	s := splicedPool.Get().(*spliced)
	s.buf = buf
	return s
}

func putSpliced(s *spliced) {
	clear(s.refs)
	*s = spliced{refs: s.refs[:0]}
	splicedPool.Put(s)
}

// splicedMark is where a spliced encoding stood, to go back to.
type splicedMark struct{ buf, refs, extra int }

// Len returns the length of the encoding, spliced slices included.
func (s *spliced) Len() int { return s.buf.Len() + s.extra }

// Write appends p, copied.
func (s *spliced) Write(p []byte) { s.buf.Write(p) }

// Splice appends p without copying it: p must not change until Snapshot.
func (s *spliced) Splice(p []byte) {
	if len(p) == 0 {
		return
	}
	if k := len(s.refs) - 1; k >= 0 && s.refs[k].at == s.buf.Len() && contiguous(s.refs[k].b, p) {
		s.refs[k].b = s.refs[k].b[:len(s.refs[k].b)+len(p)]
	} else {
		s.refs = append(s.refs, splice{at: s.buf.Len(), b: p})
	}
	s.extra += len(p)
}

// contiguous reports whether b starts where a ends, in a's array.
func contiguous(a, b []byte) bool {
	return cap(a) >= len(a)+len(b) && unsafe.SliceData(a[len(a):]) == unsafe.SliceData(b)
}

// mark returns where the encoding stands now.
func (s *spliced) mark() splicedMark {
	return splicedMark{buf: s.buf.Len(), refs: len(s.refs), extra: s.extra}
}

// reset goes back to m, dropping what was written and spliced since.
func (s *spliced) reset(m splicedMark) {
	s.buf.Truncate(m.buf)
	clear(s.refs[m.refs:])
	s.refs, s.extra = s.refs[:m.refs], m.extra
}

// Equal reports whether the encoding is b, byte for byte. A spliced
// slice of b at its own place is equal without being read.
func (s *spliced) Equal(b []byte) bool {
	if s.Len() != len(b) {
		return false
	}
	buf, last, at := s.buf.Bytes(), 0, 0
	for _, r := range s.refs {
		n := r.at - last
		if !bytes.Equal(buf[last:r.at], b[at:at+n]) {
			return false
		}
		at += n
		q := b[at : at+len(r.b)]
		if unsafe.SliceData(r.b) != unsafe.SliceData(q) && !bytes.Equal(r.b, q) {
			return false
		}
		at, last = at+len(r.b), r.at
	}
	return bytes.Equal(buf[last:], b[at:])
}

// Snapshot returns a copy of the encoding in a slice of its own, which
// nothing else holds.
func (s *spliced) Snapshot() []byte {
	buf := s.buf.Bytes()
	if len(s.refs) == 0 {
		return bytes.Clone(buf)
	}
	var room [9][]byte
	ps, last := room[:0], 0
	for _, r := range s.refs {
		ps = append(ps, buf[last:r.at], r.b)
		last = r.at
	}
	// bytes.Join allocates its result uncleared and copies each part
	// into it once.
	return bytes.Join(append(ps, buf[last:]), nil)
}
