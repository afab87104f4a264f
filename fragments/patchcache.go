package fragments

import (
	"encoding/binary"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// PatchCache keeps what tokenizing a patch of DiffPatched gave, so that
// the next DiffPatched given the same patch in the same context (another
// session showing the same changed part) does not tokenize it again. The
// fragment entries of a patch depend only on its markup and the context
// it is parsed in (its Seen's), and an entry is found only by both,
// compared byte for byte: identical inputs, identical outputs, so no
// session sees anything derived from another's data but what it rendered
// itself. What depends on the rest of the page (the patch's parent, its
// position, the bounds it holds) is computed per call. Patches holding
// splices are not cached. It also holds the HTML of the updates DiffPatched
// sent and their html_hash (PatchCache.html), found by their exact bytes,
// so that the tabs a push updates alike share one string and hash it once.
//
// It holds at most its budget in bytes, in two generations per shard: when
// the newer is full, the older is dropped. A PatchCache is safe for
// concurrent use; the zero value and nil cache nothing.
type PatchCache struct {
	shards [patchShards]patchShard
	hits   atomic.Uint64
}

const patchShards = 16

type patchShard struct {
	mu       sync.RWMutex
	cur, old map[uint64]*patchTokens
	// The HTML of updates, and its HashHTML (see html), in generations
	// with cur and old.
	curHTML, oldHTML map[uint64]sharedHTML
	bytes            int64 // in cur and curHTML
	budget           int64 // of cur and curHTML
}

// sharedHTML is an update's HTML and its HashHTML.
type sharedHTML struct{ html, hash string }

// NewPatchCache returns a PatchCache that holds at most budget bytes.
func NewPatchCache(budget int64) *PatchCache {
	c := &PatchCache{}
	for i := range c.shards {
		c.shards[i].budget = budget / patchShards / 2
	}
	return c
}

// Hits returns how many patches were found in c rather than tokenized.
func (c *PatchCache) Hits() uint64 {
	if c == nil {
		return 0
	}
	return c.hits.Load()
}

// patchTokens is the extraction of one patch, relative to it: offsets
// from its start, parents from its root (the root's is its parent's, set
// per call), the root's anchor from its parent's own markup written
// before the patch.
type patchTokens struct {
	markup string // the patch, for the exact comparison
	ctx    uint64
	frags  []frag     // id, bound, omitted, from, splice, shell, refill zero
	idAt   [][2]int32 // ranges of ids
	ids    string
	octx   []uint64 // the context each fragment opened in (openBound)
	ends   []int32  // the end of each fragment's subtree, relative
}

// patchKey is the lookup key of a patch's markup in context ctx.
func patchKey(markup []byte, ctx uint64) uint64 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], ctx)
	d := xxhash.New()
	_, _ = d.Write(b[:])
	_, _ = d.Write(markup)
	return d.Sum64()
}

func (c *PatchCache) shard(k uint64) *patchShard { return &c.shards[k%patchShards] }

// get returns the extraction of markup in context ctx, or nil.
func (c *PatchCache) get(k uint64, markup []byte, ctx uint64) *patchTokens {
	if c == nil {
		return nil
	}
	s := c.shard(k)
	s.mu.RLock()
	t, ok := s.cur[k]
	if !ok {
		t = s.old[k]
	}
	s.mu.RUnlock()
	if t == nil || t.ctx != ctx || t.markup != string(markup) {
		return nil // a miss, or another patch with the same digest
	}
	c.hits.Add(1)
	return t
}

// set keeps t under key k.
func (c *PatchCache) set(k uint64, t *patchTokens) {
	if c == nil {
		return
	}
	s := c.shard(k)
	cost := t.cost()
	if cost > s.budget {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cur[k]; ok {
		return
	}
	s.room(cost)
	s.cur[k] = t
	s.bytes += cost
}

// room makes room for cost bytes in the newer generation, dropping the
// older one when it is full. The caller holds s.mu.
func (s *patchShard) room(cost int64) {
	if s.cur == nil || s.curHTML == nil || s.bytes+cost > s.budget {
		s.old, s.cur = s.cur, make(map[uint64]*patchTokens, max(len(s.cur), 8))
		s.oldHTML, s.curHTML = s.curHTML, make(map[uint64]sharedHTML, max(len(s.curHTML), 8))
		s.bytes = 0
	}
}

// html returns m as a string and its HashHTML. Every tab a push updates
// sends the same changed parts: the string and its hash are made once and
// shared by the calls given the same bytes, found by a digest and compared
// byte for byte (identical bytes, identical string). A nil cache makes
// them anew.
func (c *PatchCache) html(m []byte) (html, hash string) {
	if c == nil {
		html = string(m)
		return html, HashHTML(html)
	}
	k := xxhash.Sum64(m)
	s := c.shard(k)
	s.mu.RLock()
	e, ok := s.curHTML[k]
	if !ok {
		e, ok = s.oldHTML[k]
	}
	s.mu.RUnlock()
	if ok && e.html == string(m) {
		return e.html, e.hash
	}
	e = sharedHTML{html: string(m)}
	e.hash = HashHTML(e.html)
	cost := int64(len(e.html)+len(e.hash)) + 64
	if cost > s.budget {
		return e.html, e.hash
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.room(cost)
	s.curHTML[k] = e
	s.bytes += cost
	return e.html, e.hash
}

// cost is what t holds, in bytes.
func (t *patchTokens) cost() int64 {
	n := len(t.frags)
	return int64(len(t.markup)+len(t.ids)) +
		int64(n)*int64(unsafe.Sizeof(frag{})+unsafe.Sizeof([2]int32{})+8+4) + 160
}

// lookup finds the patches the cache has, which the tokenizer is not to
// read, and those it may keep: the patches without splices. The patches
// are checked to be in order and in the page.
func (pt *patcher) lookup() {
	c, patches := pt.in.Cache, pt.in.Patches
	if c == nil {
		return
	}
	pt.cacheable = grown(&pt.buf.cacheable, len(patches))
	for i := range pt.cacheable {
		pt.cacheable[i] = true
	}
	for _, s := range pt.in.Splices {
		if s.Pos < 0 {
			// Outside the patches: DiffPatched fails all the same.
			pt.cacheable = nil
			return
		}
		// The last patch starting at or before it holds it, when any does
		// (at its end too, conservatively).
		k := sort.Search(len(patches), func(k int) bool { return patches[k].Start > s.Pos }) - 1
		if k >= 0 && s.Pos <= patches[k].End {
			pt.cacheable[k] = false
		}
	}
	pt.keys = grown(&pt.buf.keys, len(patches))
	pt.hits = grown(&pt.buf.hits, len(patches))
	for i, p := range patches {
		if !pt.cacheable[i] {
			continue
		}
		m := pt.in.Page[p.Start:p.End]
		pt.keys[i] = patchKey(m, p.Seen.ctx)
		pt.hits[i] = c.get(pt.keys[i], m, p.Seen.ctx)
	}
	pt.reader.skip = pt.hits
}

// cut returns the extraction of patch p, tokenized into the fragments
// from root on, relative to p (see patchTokens).
func (e *extractor) cut(p Patch, root int32) *patchTokens {
	n := len(e.x.frags) - int(root)
	t := &patchTokens{markup: string(e.page[p.Start:p.End]), ctx: p.Seen.ctx, frags: make([]frag, n),
		idAt: make([][2]int32, n), octx: slices.Clone(e.octx), ends: make([]int32, n)}
	var ids []byte
	for k := range n {
		f := e.x.frags[int(root)+k]
		f.lead, f.start, f.end, f.open, f.close = f.lead-p.Start, f.start-p.Start, f.end-p.Start, f.open-p.Start, f.close-p.Start
		if k == 0 {
			f.parent, f.anchor = -1, f.anchor-e.pt.in.Prev.Anchors[p.Prev]
		} else {
			f.parent -= root
		}
		f.id, f.bound, f.omitted = "", 0, 0
		t.frags[k] = f
		r := e.idAt[int(root)+k]
		t.idAt[k] = [2]int32{int32(len(ids)), int32(len(ids)) + r[1] - r[0]}
		ids = append(ids, e.arena[r[0]:r[1]]...)
		t.ends[k] = int32(k) + 1
	}
	for k := n - 1; k > 0; k-- {
		par := t.frags[k].parent
		t.ends[par] = max(t.ends[par], t.ends[k])
	}
	t.ids = string(ids)
	return t
}

// replay appends the fragments of patch p as t has them, below fragment
// parent, in a context of depth elements: what tokenizing it gives.
func (e *extractor) replay(t *patchTokens, p Patch, parent int32, depth int) {
	root := int32(len(e.x.frags))
	if depth == 0 {
		e.x.frags[0].mixed = true // the root is an element of the body's content
	}
	for k := range t.frags {
		f := t.frags[k]
		f.lead, f.start, f.end, f.open, f.close = f.lead+p.Start, f.start+p.Start, f.end+p.Start, f.open+p.Start, f.close+p.Start
		if k == 0 {
			f.parent, f.anchor = parent, f.anchor+e.fstack[0].written
			f.direct = depth == 0 && parent == 0 // as openFragment finds it
		} else {
			f.parent += root
		}
		idx := int32(len(e.x.frags))
		e.x.frags = append(e.x.frags, f)
		r := t.idAt[k]
		start := int32(len(e.arena))
		e.arena = append(e.arena, t.ids[r[0]:r[1]]...)
		e.idAt = append(e.idAt, [2]int32{start, int32(len(e.arena))})
		e.openBound(idx, f.lead, f.start, t.octx[k])
	}
	// Inner subtrees close first: a bound's Seen looks at those inside it.
	for k := int32(len(t.frags)) - 1; k >= 0; k-- {
		if e.x.frags[root+k].bound != 0 {
			e.closeBound(root+k, root+t.ends[k])
		}
	}
	e.textAt, e.preNL = -1, false
}
