package plan

import (
	"bytes"
	"slices"

	"github.com/livefir/statetemplate/internal/cborpath"
)

// layout is where a render found the items of the data's encoding by
// walking it: the entries of the root map and the elements of its large
// lists. A memo keeps it with the encoding it was found in (Input.EncKept:
// the session's snapshot, never modified), so that the next render finds
// the same items in its own encoding by comparing their bytes with the
// old ones instead of walking them. Walking the root map walks every list
// in it (the dashboard's 500 tasks, to reach the fields encoded after
// them); comparing an unchanged list is one memcmp.
//
// An item is taken from the layout only when its bytes are byte for byte
// those of the old item it stands in for: an encoded item is read from its
// first byte and ends where its bytes say, so equal bytes are the same
// item, and the result is exactly what walking gives (TestRelayout_*).
// A layout is immutable: memos share it.
type layout struct {
	enc     []byte           // the encoding the items are in
	entries []cborpath.Entry // the root map's, in encoded order
	// elems[k] are the elements of entry k's value, relative to its
	// start, when it is a large array; nil otherwise (elems is nil when
	// no value is).
	elems [][]cborpath.Range
}

// Lists smaller than these keep no elements in a layout: they would cost
// more to keep than they save. The root map's entries are kept for
// encodings of any size: they tell the next render which root entries
// did not change, whose reads keep their keys (rootfields.go), which paid
// for the layout of the clock push's 1.6 KB encoding (BENCHMARKS.md,
// perf14; perf6 had found a small encoding's layout worth nothing before
// keys were kept). Tests lower them, to run small data through layouts.
var (
	layoutMinBytes = 512
	layoutMinElems = 8
)

// relayoutRoot finds the entries of the root map of r.enc by the previous
// layout, and the elements of the lists among its values that changed
// (into the run's arrays, for elemsAt); it reports false, having found
// nothing, when the encoding is not a definite-length map.
func (r *run) relayoutRoot(old *layout) ([]cborpath.Entry, bool) {
	t := r.top()
	enc := r.enc
	n, pos, err := cborpath.Count(enc, cborpath.Range{Start: 0, End: len(enc)})
	if err != nil || !cborpath.IsMap(enc, cborpath.Range{Start: 0, End: len(enc)}) {
		return nil, false
	}
	at := len(t.entryBuf)
	out := t.entryBuf
	shift := len(old.entries) - n
	same, keysSame := t.rootSame[:0], shift == 0
	for k := 0; k < n; k++ {
		if j, ok := old.sameEntry(enc, pos, k, shift); ok {
			o := old.entries[j]
			d := pos - o.Key.Start
			out = append(out, cborpath.Entry{Key: cborpath.Range{Start: o.Key.Start + d, End: o.Key.End + d},
				Val: cborpath.Range{Start: o.Val.Start + d, End: o.Val.End + d}})
			pos = o.Val.End + d
			same, keysSame = append(same, true), keysSame && j == k
			continue
		}
		kl, err := cborpath.Len(enc[pos:])
		if err != nil {
			return nil, false
		}
		key := cborpath.Range{Start: pos, End: pos + kl}
		same = append(same, false)
		if keysSame {
			o := old.entries[k].Key
			keysSame = string(enc[key.Start:key.End]) == string(old.enc[o.Start:o.End])
		}
		end, ok := r.relayoutList(old, key, k, shift)
		if !ok {
			vl, err := cborpath.Len(enc[key.End:])
			if err != nil {
				return nil, false
			}
			end = key.End + vl
		}
		out = append(out, cborpath.Entry{Key: key, Val: cborpath.Range{Start: key.End, End: end}})
		pos = end
	}
	if pos != len(enc) {
		return nil, false
	}
	t.entryBuf = out
	t.rootSame, t.rootKeysSame = same, keysSame
	return out[at:len(out):len(out)], true
}

// sameEntry returns the old entry that entry k of enc, at pos, is byte for
// byte: the old entry k, or the old entry k+shift (the map gained or lost
// entries before it).
func (l *layout) sameEntry(enc []byte, pos, k, shift int) (int, bool) {
	for _, j := range [2]int{k, k + shift} {
		if j < 0 || j >= len(l.entries) {
			continue
		}
		o := l.entries[j]
		if n := o.Val.End - o.Key.Start; pos+n <= len(enc) && bytes.Equal(enc[pos:pos+n], l.enc[o.Key.Start:o.Val.End]) {
			return j, true
		}
		if shift == 0 {
			break
		}
	}
	return 0, false
}

// relayoutList finds the elements of the value of the root entry whose key
// is at key, when it is a list the old layout knows under the same key
// (old entry k or k+shift), and returns the value's end; it reports false
// when it did not (the caller walks the value).
func (r *run) relayoutList(old *layout, key cborpath.Range, k, shift int) (int, bool) {
	t := r.top()
	enc := r.enc
	j := -1
	for _, c := range [2]int{k, k + shift} {
		if c >= 0 && c < len(old.elems) && old.elems[c] != nil &&
			bytes.Equal(enc[key.Start:key.End], old.enc[old.entries[c].Key.Start:old.entries[c].Key.End]) {
			j = c
			break
		}
	}
	if j < 0 || key.End >= len(enc) || !cborpath.IsArray(enc, cborpath.Range{Start: key.End, End: len(enc)}) {
		return 0, false
	}
	n, pos, err := cborpath.Count(enc, cborpath.Range{Start: key.End, End: len(enc)})
	if err != nil {
		return 0, false
	}
	prev, base := old.elems[j], old.entries[j].Val.Start
	at, sat := len(t.elemBuf), len(t.sameBuf)
	out, same := t.elemBuf, t.sameBuf
	shift = len(prev) - n
	for i := 0; i < n; i++ {
		e, from, ok := sameElem(enc, pos, old.enc, base, prev, i, shift)
		same = append(same, ok && from == i)
		if !ok {
			l, err := cborpath.Len(enc[pos:])
			if err != nil {
				t.elemBuf, t.sameBuf = out[:at], same[:sat]
				return 0, false
			}
			e = cborpath.Range{Start: pos, End: pos + l}
		}
		out = append(out, e)
		pos = e.End
	}
	t.elemBuf, t.sameBuf = out, same
	if t.arrays == nil {
		t.arrays = map[int][]cborpath.Range{}
	}
	t.arrays[key.End] = out[at:len(out):len(out)]
	if n > 0 && len(prev) > 0 {
		if t.unchanged == nil {
			t.unchanged = map[int]unchangedList{}
		}
		t.unchanged[out[at].Start] = unchangedList{same: same[sat:len(same):len(same)], old: base + prev[0].Start}
	}
	return pos, true
}

// unchangedList says which elements of a list relayoutList found byte for
// byte the old element at the same index (by index), and where the old
// list's first element started: it is keyed by where the new list's first
// element starts, which is how a range knows its list (g.elems).
type unchangedList struct {
	same []bool
	old  int
}

// sameElem returns element i of a list of enc, at pos, when it is byte for
// byte the old element i or i+shift (prev, relative to base in was), and
// which one it is.
func sameElem(enc []byte, pos int, was []byte, base int, prev []cborpath.Range, i, shift int) (cborpath.Range, int, bool) {
	for _, j := range [2]int{i, i + shift} {
		if j < 0 || j >= len(prev) {
			continue
		}
		o := prev[j]
		if n := o.End - o.Start; pos+n <= len(enc) && bytes.Equal(enc[pos:pos+n], was[base+o.Start:base+o.End]) {
			return cborpath.Range{Start: pos, End: pos + n}, j, true
		}
		if shift == 0 {
			break
		}
	}
	return cborpath.Range{}, 0, false
}

// newLayout returns the layout of this render's encoding for the next
// render's memo, or nil when the session does not keep the encoding or
// the render did not walk its root map. It shares with old what did not
// change.
func (r *run) newLayout(old *layout) *layout {
	t := r.top()
	if !r.in.EncKept {
		return nil
	}
	entries, ok := t.maps[0]
	if !ok || len(entries) == 0 {
		return nil
	}
	l := &layout{enc: r.enc}
	if old != nil && sameEntries(old.entries, entries) {
		l.entries = old.entries
	} else {
		l.entries = append([]cborpath.Entry(nil), entries...)
	}
	// The elements of each large list: old's slice of them while every
	// list's are old's, a new one from the first that differs.
	shared := old != nil && len(old.elems) == len(entries)
	if shared {
		l.elems = old.elems
	}
	for k, e := range entries {
		var elems []cborpath.Range
		if e.Val.End-e.Val.Start >= layoutMinBytes {
			if walked, ok := t.arrays[e.Val.Start]; ok && len(walked) >= layoutMinElems {
				elems = relativeTo(walked, e.Val.Start, old, k)
			} else if old != nil && k < len(old.elems) && old.elems[k] != nil {
				// Not walked this render: the old elements hold when the
				// value is the old one byte for byte.
				o := old.entries[k]
				if bytes.Equal(r.enc[e.Val.Start:e.Val.End], old.enc[o.Val.Start:o.Val.End]) {
					elems = old.elems[k]
				}
			}
		}
		if shared {
			if sameRanges(old.elems[k], elems) {
				continue
			}
			l.elems, shared = slices.Clone(old.elems), false
		}
		if elems != nil && l.elems == nil {
			l.elems = make([][]cborpath.Range, len(entries))
		}
		if l.elems != nil {
			l.elems[k] = elems
		}
	}
	return l
}

// sameRanges reports whether a and b are the same slice (or both empty).
func sameRanges(a, b []cborpath.Range) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// relativeTo returns elems relative to base, sharing old's elements of
// entry k when they are the same.
func relativeTo(elems []cborpath.Range, base int, old *layout, k int) []cborpath.Range {
	if old != nil && k < len(old.elems) && len(old.elems[k]) == len(elems) {
		prev, same := old.elems[k], true
		for i, e := range elems {
			if prev[i].Start != e.Start-base || prev[i].End != e.End-base {
				same = false
				break
			}
		}
		if same {
			return prev
		}
	}
	out := make([]cborpath.Range, len(elems))
	for i, e := range elems {
		out[i] = cborpath.Range{Start: e.Start - base, End: e.End - base}
	}
	return out
}

// sameEntries reports whether a and b are the same ranges.
func sameEntries(a, b []cborpath.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// unchangedElems returns, for the list range g iterates, which of its
// elements relayoutList found byte for byte the old element at the same
// index, and where the old list started; nil when it did not look.
func (r *run) unchangedElems(g *rangeRun) ([]bool, int) {
	if g.elems == nil || len(g.elems) == 0 {
		return nil, 0
	}
	t := r.top()
	u, ok := t.unchanged[g.elems[0].Start]
	if !ok || len(u.same) != len(g.elems) {
		return nil, 0
	}
	return u.same, u.old
}

// keepRows records in range node n, when the keys of g's rows hash the
// elements of a list in the encoding and the reads they share (rowKey),
// the digest of those shared reads and where the list starts, for the
// next render's sameRows.
func (g *rangeRun) keepRows(n *node) {
	n.flags &^= nodeRows
	n.key, n.ident = 0, 0
	if g.prefixDone && g.prefixOK && g.elems != nil && len(g.elems) > 0 {
		n.flags |= nodeRows
		n.key, n.ident = g.prefix.Sum64(), uint64(g.elems[0].Start)
	}
}

// sameRows reports whether the rows of g read what the rows of previous
// range node pn read, but their elements: the same shared reads, and a list
// that started at oldStart in the previous encoding. g's rowKey must have
// run.
func (g *rangeRun) sameRows(pn *node, oldStart int) bool {
	return pn.flags&nodeRows != 0 && g.prefixDone && g.prefixOK && g.elems != nil &&
		pn.key == g.prefix.Sum64() && pn.ident == uint64(oldStart)
}
