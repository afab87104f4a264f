package plan

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/livefir/statetemplate/internal/cborpath"
)

// A render's working memory (its frames, the locs and values of their
// inputs, the records of what it splices and patches, the parsed maps of
// the encoding) lives only as long as the render: nothing of it is in the
// Output, whose memo nodes, State and updates are allocated anew. A run
// is taken from the free list or the pool and put back when the render
// returns, so that a render's garbage follows what changed rather than
// the page's parts.

// freeRuns and runPool hold runs whose scratch is kept for the next
// render: a few of modest size in freeRuns, which the garbage collector
// leaves alone (sync.Pool drops its entries at every other collection,
// and renders that allocate make collections frequent), the rest in
// runPool.
var (
	freeRuns = make(chan *run, 8)
	runPool  sync.Pool // of *run
)

// maxPooledScratch keeps one huge page from pinning its scratch: a run
// that used more elements of any one kind is not pooled. maxFreeScratch
// bounds, in bytes, the scratch of a run the free list pins for good (a
// 500-task dashboard's is about 1 MB; the list holds at most 8 runs, a
// render's and the sub-runs of its re-sent parts).
const (
	maxPooledScratch = 1 << 14
	maxFreeScratch   = 1536 << 10
)

// slabs hands out slices of T from a few large arrays, kept across
// renders. A slice it returns stays valid (and is never handed out again)
// until reset; reset zeroes what was handed out, so that the pool pins no
// value of a past render.
type slabs[T any] struct {
	all  [][]T // the arrays, each at full length
	used int   // arrays of all in use, the current one included
	cur  []T   // the current array, its length what is handed out
	max  int   // the largest array it makes, unless one take needs more (0: 256)
}

// take returns n zero elements, contiguous.
func (s *slabs[T]) take(n int) []T {
	if len(s.cur)+n > cap(s.cur) {
		if s.used < len(s.all) && len(s.all[s.used]) >= n {
			s.cur = s.all[s.used][:0]
		} else {
			most := s.max
			if most == 0 {
				most = 256
			}
			c := max(min(max(16, 2*cap(s.cur)), most), n)
			s.cur = make([]T, 0, c)
			if s.used < len(s.all) {
				s.all[s.used] = s.cur[:c]
			} else {
				s.all = append(s.all, s.cur[:c])
			}
		}
		s.used++
	}
	at := len(s.cur)
	s.cur = s.cur[:at+n]
	return s.cur[at : at+n : at+n]
}

// size is the number of elements the slabs hold.
func (s *slabs[T]) size() int {
	n := 0
	for _, a := range s.all {
		n += len(a)
	}
	return n
}

// reset zeroes what was handed out and makes it all available again.
func (s *slabs[T]) reset() {
	for i := range s.used {
		if i == s.used-1 {
			clear(s.cur)
		} else {
			clear(s.all[i])
		}
	}
	s.used, s.cur = 0, nil
}

// getRun returns a run with the scratch of an earlier one, if any.
func getRun() *run {
	select {
	case r := <-freeRuns:
		r.released = false
		return r
	default:
	}
	if r, ok := runPool.Get().(*run); ok {
		r.released = false
		return r
	}
	r := &run{}
	r.locs.max, r.vals.max = 512, 512
	return r
}

// release puts r back in the pool, its scratch emptied and everything
// else zeroed. Nothing of r may be used after.
func (r *run) release() {
	if r.released {
		return
	}
	if r.made != nil && r.made.plan == r.p {
		// The nodes flatten the memo made of them: the next render of it
		// reads them from the plan's slot.
		r.nodes = r.p.flat.put(r.made, r.nodes)
	}
	size := r.scratchSize()
	if size > maxPooledScratch {
		*r = run{released: true}
		return
	}
	r.frames.reset()
	r.locs.reset()
	r.vals.reset()
	r.kids.reset()
	r.spans.reset()
	clear(r.entryBuf)
	clear(r.nodes)
	clear(r.pnodes)
	clear(r.fills[:cap(r.fills)])
	clear(r.shellOf[:cap(r.shellOf)])
	clear(r.refills[:cap(r.refills)])
	clear(r.maps)
	clear(r.rootLocs)
	clear(r.hashes)
	clear(r.arrays)
	clear(r.unchanged)
	*r = run{
		frames: r.frames, locs: r.locs, vals: r.vals, kids: r.kids, spans: r.spans,
		inputBuf: r.inputBuf[:0], markBuf: r.markBuf[:0], entryBuf: r.entryBuf[:0], elemBuf: r.elemBuf[:0], sameBuf: r.sameBuf[:0], unchanged: r.unchanged,
		maps: r.maps, rootLocs: r.rootLocs, rootSame: r.rootSame[:0], hashes: r.hashes, arrays: r.arrays, share: r.share, keyBuf: r.keyBuf[:0],
		nodes: r.nodes[:0], pnodes: r.pnodes[:0],
		recs: r.recs[:0], verbatim: r.verbatim[:0], splices: r.splices[:0], bounds: r.bounds[:0], fills: r.fills[:0],
		local: r.local[:0], patches: r.patches[:0], shells: r.shells[:0], shellOf: r.shellOf[:0], resends: r.resends[:0], refills: r.refills[:0],
		released: true,
	}
	if r.scratchBytes() <= maxFreeScratch {
		select {
		case freeRuns <- r:
			return
		default:
		}
	}
	runPool.Put(r)
}

// scratchBytes is about how many bytes r's scratch holds.
func (r *run) scratchBytes() int {
	return r.frames.size()*int(unsafe.Sizeof(frame{})) + r.locs.size()*int(unsafe.Sizeof(loc{})) +
		r.vals.size()*int(unsafe.Sizeof(reflect.Value{})) + r.kids.size()*int(unsafe.Sizeof(kidIdent{})) + r.spans.size()*int(unsafe.Sizeof([2]int{})) +
		(cap(r.nodes)+cap(r.pnodes))*int(unsafe.Sizeof(node{})) + cap(r.recs)*int(unsafe.Sizeof(rec{})) +
		cap(r.inputBuf) + cap(r.markBuf) + cap(r.entryBuf)*int(unsafe.Sizeof(cborpath.Entry{})) + cap(r.elemBuf)*int(unsafe.Sizeof(cborpath.Range{})) + cap(r.sameBuf)
}

// scratchSize is the most elements r's scratch holds of any one kind (of
// the cache-key input bytes, a 64th).
func (r *run) scratchSize() int {
	return max(r.frames.size(), r.locs.size(), r.vals.size(), r.kids.size(), r.spans.size(), cap(r.inputBuf)/64, cap(r.markBuf)/64,
		cap(r.entryBuf), cap(r.elemBuf), cap(r.sameBuf), cap(r.recs), cap(r.nodes), cap(r.pnodes), cap(r.splices), cap(r.bounds),
		cap(r.fills), cap(r.patches), cap(r.shells), cap(r.resends))
}

// cloneVals returns a copy of v, from a slab.
func (r *run) cloneVals(v []reflect.Value) []reflect.Value {
	out := r.valSlab(len(v))
	copy(out, v)
	return out
}

// cloneLocs returns a copy of l, from a slab.
func (r *run) cloneLocs(l []loc) []loc { return append(r.locSlab(len(l)), l...) }

// addSpan appends s to the spans of row f, growing them in a slab.
func (r *run) addSpan(f *frame, s [2]int) {
	if len(f.spans) == cap(f.spans) {
		grown := r.spans.take(max(4, 2*cap(f.spans)))[:len(f.spans)]
		copy(grown, f.spans)
		f.spans = grown
	}
	f.spans = append(f.spans, s)
}

// addKid appends k to the parts directly inside f, growing them in a slab.
func (r *run) addKid(f *frame, k kidIdent) {
	if len(f.kids) == cap(f.kids) {
		grown := r.kids.take(max(4, 2*cap(f.kids)))[:len(f.kids)]
		copy(grown, f.kids)
		f.kids = grown
	}
	f.kids = append(f.kids, k)
}
