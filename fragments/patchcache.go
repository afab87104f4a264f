package fragments

import (
	"encoding/binary"
	"slices"
	"sort"
	"sync/atomic"
	"unsafe"

	"github.com/cespare/xxhash/v2"

	"github.com/livefir/statetemplate/internal/genmap"
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
// It holds at most its budget in bytes, patches and HTML together, in two
// generations per shard (genmap): when the newer is full, the older is
// dropped. A PatchCache is safe for concurrent use; the zero value and nil
// cache nothing.
type PatchCache struct {
	m    *genmap.Map[uint64, patchEntry]
	hits atomic.Uint64
}

const patchShards = 16

// patchEntry is what a PatchCache holds under a digest: the extraction of
// a patch (patchKey), or the HTML of an update and its HashHTML (a digest
// of the HTML, see html). Both share the digests, and each lookup checks
// the kind and compares in full: a shared digest costs a miss, no more.
type patchEntry struct {
	tokens     *patchTokens // nil for an update's HTML
	html, hash string
}

// cost is what e holds, in bytes.
func (e patchEntry) cost() int64 {
	if e.tokens != nil {
		return e.tokens.cost()
	}
	return int64(len(e.html)+len(e.hash)) + 64
}

// NewPatchCache returns a PatchCache that holds at most budget bytes.
func NewPatchCache(budget int64) *PatchCache {
	return &PatchCache{m: genmap.New[uint64, patchEntry](budget, patchShards, genmap.Digest)}
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
	hash   string // HashHTML(markup): the html_hash of an update replacing its root
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

// entries returns what c holds, nil for a nil or zero PatchCache.
func (c *PatchCache) entries() *genmap.Map[uint64, patchEntry] {
	if c == nil {
		return nil
	}
	return c.m
}

// get returns the extraction of markup in context ctx, or nil.
func (c *PatchCache) get(k uint64, markup []byte, ctx uint64) *patchTokens {
	m := c.entries()
	if m == nil {
		return nil
	}
	e, _ := m.Get(k)
	t := e.tokens
	if t == nil || t.ctx != ctx || t.markup != string(markup) {
		return nil // a miss, or another patch with the same digest
	}
	c.hits.Add(1)
	return t
}

// set keeps t under key k.
func (c *PatchCache) set(k uint64, t *patchTokens) {
	if m := c.entries(); m != nil {
		e := patchEntry{tokens: t}
		m.Put(k, e, e.cost())
	}
}

// html returns m as a string and its HashHTML. Every tab a push updates
// sends the same changed parts: the string and its hash are made once and
// shared by the calls given the same bytes, found by a digest and compared
// byte for byte (identical bytes, identical string). A nil or zero cache
// makes them anew.
func (c *PatchCache) html(m []byte) (html, hash string) {
	held := c.entries()
	if held == nil {
		html = string(m)
		return html, HashHTML(html)
	}
	k := xxhash.Sum64(m)
	e, ok := held.Get(k)
	if ok && e.tokens == nil && e.html == string(m) {
		return e.html, e.hash
	}
	e = patchEntry{html: string(m)}
	e.hash = HashHTML(e.html)
	held.Put(k, e, e.cost())
	return e.html, e.hash
}

// cost is what t holds, in bytes.
func (t *patchTokens) cost() int64 {
	n := len(t.frags)
	return int64(len(t.markup)+len(t.hash)+len(t.ids)) +
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
	pt.tokens = grown(&pt.buf.tokens, len(patches))
	for i, p := range patches {
		if p.Own {
			pt.cacheable[i] = false
		}
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
	t.hash = HashHTML(t.markup)
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

// rootHTML returns the HTML and html_hash of update o when it carries the
// lead and outerHTML of the root of a patch whose extraction the cache
// has: the patch's markup, compared byte for byte when it was found (or
// cut from it), so the calls that send it share its string, hashed once.
func (d *differ) rootHTML(o op) (html, hash string, ok bool) {
	pt := d.x.pt
	if pt == nil || pt.tokens == nil || o.action == ActionText || o.action == ActionAttrs {
		return "", "", false
	}
	f := &d.x.frags[o.frag]
	ps := pt.in.Patches
	k := sort.Search(len(ps), func(k int) bool { return ps[k].Start > f.lead }) - 1
	if k < 0 || pt.tokens[k] == nil || pt.index[ps[k].Prev] != o.frag || f.lead != ps[k].Start || f.end != ps[k].End || f.omitted != 0 {
		return "", "", false
	}
	t := pt.tokens[k]
	return t.markup, t.hash, true
}
