package plan

import (
	"bytes"

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
	// start, when it is a large array; nil otherwise.
	elems [][]cborpath.Range
}

// Lists smaller than these are walked: their layout would cost more to
// keep than it saves.
const (
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
	for k := 0; k < n; k++ {
		if j, ok := old.sameEntry(enc, pos, k, shift); ok {
			o := old.entries[j]
			d := pos - o.Key.Start
			out = append(out, cborpath.Entry{Key: cborpath.Range{Start: o.Key.Start + d, End: o.Key.End + d},
				Val: cborpath.Range{Start: o.Val.Start + d, End: o.Val.End + d}})
			pos = o.Val.End + d
			continue
		}
		kl, err := cborpath.Len(enc[pos:])
		if err != nil {
			return nil, false
		}
		key := cborpath.Range{Start: pos, End: pos + kl}
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
		if c >= 0 && c < len(old.entries) && old.elems[c] != nil &&
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
	at := len(t.elemBuf)
	out := t.elemBuf
	shift = len(prev) - n
	for i := 0; i < n; i++ {
		e, ok := sameElem(enc, pos, old.enc, base, prev, i, shift)
		if !ok {
			l, err := cborpath.Len(enc[pos:])
			if err != nil {
				t.elemBuf = out[:at]
				return 0, false
			}
			e = cborpath.Range{Start: pos, End: pos + l}
		}
		out = append(out, e)
		pos = e.End
	}
	t.elemBuf = out
	if t.arrays == nil {
		t.arrays = map[int][]cborpath.Range{}
	}
	t.arrays[key.End] = out[at:len(out):len(out)]
	return pos, true
}

// sameElem returns element i of a list of enc, at pos, when it is byte for
// byte the old element i or i+shift (prev, relative to base in was).
func sameElem(enc []byte, pos int, was []byte, base int, prev []cborpath.Range, i, shift int) (cborpath.Range, bool) {
	for _, j := range [2]int{i, i + shift} {
		if j < 0 || j >= len(prev) {
			continue
		}
		o := prev[j]
		if n := o.End - o.Start; pos+n <= len(enc) && bytes.Equal(enc[pos:pos+n], was[base+o.Start:base+o.End]) {
			return cborpath.Range{Start: pos, End: pos + n}, true
		}
		if shift == 0 {
			break
		}
	}
	return cborpath.Range{}, false
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
	l := &layout{enc: r.enc, elems: make([][]cborpath.Range, len(entries))}
	if old != nil && sameEntries(old.entries, entries) {
		l.entries = old.entries
	} else {
		l.entries = append([]cborpath.Entry(nil), entries...)
	}
	for k, e := range entries {
		if e.Val.End-e.Val.Start < layoutMinBytes {
			continue
		}
		if elems, ok := t.arrays[e.Val.Start]; ok && len(elems) >= layoutMinElems {
			l.elems[k] = relativeTo(elems, e.Val.Start, old, k)
			continue
		}
		// Not walked this render: the old elements hold when the value is
		// the old one byte for byte.
		if old != nil && k < len(old.elems) && old.elems[k] != nil {
			o := old.entries[k]
			if bytes.Equal(r.enc[e.Val.Start:e.Val.End], old.enc[o.Val.Start:o.Val.End]) {
				l.elems[k] = old.elems[k]
			}
		}
	}
	return l
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
