package fragments

import (
	"errors"
	"fmt"
	"iter"
	"sync"
	"unique"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ErrSplice is wrapped by DiffSpliced when a splice does not fit the page
// it is placed in: a position inside a tag or raw text, a context other
// than the one its subtree was extracted in, a subtree of prev that does
// not exist or is used twice, or a page that turns out opaque. The caller
// renders the page whole and calls Diff instead.
var ErrSplice = errors.New("fragments: splice does not fit the page")

// Seen is what DiffSpliced learned about the subtree of one Bound: the
// context it sits in, its size and its fragment count. It is comparable
// and immutable; the zero Seen is not valid. A Splice hands it back, so
// that the subtree can stand in a later page without its markup.
type Seen struct {
	ctx   uint64 // parent element atom, its flags and the stack depth
	size  uint32 // bytes of the bound's markup
	frags uint32 // fragments in the subtree, its root included
	flags uint8
	// outer is the start of the root's lead that comes before the bound:
	// whitespace the page writes outside it (interned: the same few runs
	// of indentation recur).
	outer unique.Handle[string]
}

// maxOuter bounds the lead a bound may leave outside it.
const maxOuter = 256

// outerString returns the lead s records outside its bound.
func (s Seen) outerString() string {
	if s.outer == (unique.Handle[string]{}) {
		return ""
	}
	return s.outer.Value()
}

// outerLen returns the length of the lead s records outside its bound.
func (s Seen) outerLen() int { return len(s.outerString()) }

// outerIs reports whether b is the lead s records outside its bound.
func (s Seen) outerIs(b []byte) bool { return string(b) == s.outerString() }

// outerOf interns b as a Seen's outer lead.
func outerOf(b []byte) unique.Handle[string] {
	if len(b) == 0 {
		return unique.Handle[string]{}
	}
	return unique.Make(string(b))
}

const (
	seenValid uint8 = 1 << iota
	seenNoCache
	seenRootNoCache
	seenBelowNoCache      // a fragment below the root has data-cache="false"
	seenShellNoCache      // one outside the bounds and splices nested in the subtree has
	seenShellBelowNoCache // one of those other than the root has
)

// Valid reports whether the bound was exactly one fragment subtree of a
// page whose nesting can be trusted: only then can it be spliced.
func (s Seen) Valid() bool { return s.flags&seenValid != 0 }

// NoCache reports whether a fragment of the subtree has data-cache="false".
func (s Seen) NoCache() bool { return s.flags&seenNoCache != 0 }

// Spliceable reports whether the subtree can be left out of a later page:
// it was exactly one fragment subtree of a page whose nesting can be
// trusted, and no fragment below its root has data-cache="false" (a
// spliced root with it is re-sent whole, its markup filled in; a
// descendant could not be).
func (s Seen) Spliceable() bool {
	return s.Valid() && s.flags&seenBelowNoCache == 0
}

// RootNoCache reports whether the subtree's root has data-cache="false":
// every changed render re-sends the whole subtree.
func (s Seen) RootNoCache() bool { return s.flags&seenRootNoCache != 0 }

// ShellNoCache reports whether a fragment of the subtree, its root
// included, that is not inside a bound or splice nested in it has
// data-cache="false": the subtree cannot stand as a Shell of DiffPatched.
func (s Seen) ShellNoCache() bool { return s.flags&seenShellNoCache != 0 }

// ShellResent reports whether the subtree can stand as a re-sent Shell of
// DiffPatched: its root has data-cache="false", and no other fragment
// outside the bounds and splices nested in it has. Such a shell is
// replaced whole on every DiffPatched, its markup asked for
// (PatchInput.Markup), never tokenized.
func (s Seen) ShellResent() bool {
	return s.Valid() && s.flags&(seenRootNoCache|seenShellBelowNoCache) == seenRootNoCache
}

// Size returns the bytes of the bound's markup: the subtree's, less the
// whitespace before it that the bound leaves out (see Bound).
func (s Seen) Size() int { return int(s.size) }

// Splice stands for markup that is missing from a page passed to
// DiffSpliced: at byte Pos, the page has, byte for byte, the markup of the
// subtree of Prev rooted at fragment Prev, in the context Seen describes.
type Splice struct {
	Pos  int
	Prev int32
	Seen Seen
}

// Bound marks [Start, End) of a page passed to DiffSpliced as markup that
// should form one fragment subtree, whose Seen the result reports. The
// root's lead, the whitespace before its start tag, may begin up to a few
// bytes before Start: a splice of the subtree then stands after the same
// whitespace.
type Bound struct{ Start, End int }

// SpliceInput is the input of DiffSpliced. Splices and Bounds are sorted
// by position. Fill returns the whole markup of Splices[i]; it is called
// only for subtrees whose HTML an update carries, and its result is only
// read.
type SpliceInput struct {
	Prev    *State
	Page    []byte
	Splices []Splice
	Bounds  []Bound
	Fill    func(i int) ([]byte, error)
	// Learn tokenizes a page found unchanged (which gives no updates all
	// the same) to report the Seen of its bounds.
	Learn bool
}

// SpliceResult is the output of DiffSpliced.
type SpliceResult struct {
	Updates []Update
	State   *State
	// Spliced[i] is the index in State of the root of Splices[i].
	Spliced []int32
	// Bounded[i] is the index in State of the fragment that Bounds[i] is,
	// or -1 when it is not exactly one fragment; Seen[i] is what was
	// learned about it. Both are nil when the page was found unchanged
	// without tokenizing it (see Learn).
	Bounded []int32
	Seen    []Seen
	// Unchanged reports that the page is the one Prev describes, byte for
	// byte (only a page without splices can be known to be).
	Unchanged bool
	// Body is what was learned of the body's subtree (the whole State),
	// as of a Bound: zero when the page was not tokenized or its nesting
	// cannot be trusted. DiffPatched takes it as the body's Shell.
	Body Seen
	// HeadIDs are the ids of elements outside the body, which no fragment
	// may share; DiffPatched, which does not see the head, takes them.
	HeadIDs []string
	// Index[j] is the index in State of fragment j of Prev, or -1 when it
	// is gone or was inside a patch (DiffPatched only).
	Index []int32
	// Shells[i] is the Seen of the subtree of PatchInput.Shells[i] after
	// the patches (DiffPatched only).
	Shells []Seen
}

// DiffSpliced is Diff for a page from which the markup of unchanged
// fragment subtrees has been left out (Splices), and which marks the
// subtrees it does carry whole (Bounds). The updates and the State are
// those Diff would return for the page with every splice filled in, except
// State.PageHash, which is not the hash of that page when there are
// splices. The cost is that of tokenizing the page as given, plus copying
// the spliced subtrees' entries of prev.
func DiffSpliced(in SpliceInput) (*SpliceResult, error) {
	known := in.Prev.valid()
	if len(in.Splices) > 0 && !known {
		return nil, fmt.Errorf("%w: no previous state to splice from", ErrSplice)
	}
	ph := pageHash(in.Page)
	unchanged := len(in.Splices) == 0 && known && in.Prev.PageHash == ph
	if unchanged && !in.Learn {
		return &SpliceResult{State: in.Prev, Unchanged: true}, nil
	}
	sp := &splicer{in: in, seen: make([]Seen, len(in.Bounds)), bounded: make([]int32, len(in.Bounds)),
		spliced: make([]int32, len(in.Splices)), ctx: make([]uint64, len(in.Bounds))}
	for i := range sp.bounded {
		sp.bounded[i] = -1
	}
	hint := 0
	if known {
		hint = len(in.Prev.IDs)
	}
	sp.buf = getSpliceBuffers(hint + 8)
	defer putSpliceBuffers(sp.buf)
	x, err := extractWith(in.Page, hint, sp)
	if sp.err != nil {
		return nil, sp.err
	}
	if err != nil {
		return nil, err
	}
	if len(in.Splices) > 0 {
		ph ^= splicedSalt
	}
	res := &SpliceResult{State: x.state(ph), Spliced: sp.spliced, Bounded: sp.bounded, Seen: sp.seen, Unchanged: unchanged,
		Body: sp.body, HeadIDs: sp.heads}
	if unchanged {
		return res, nil
	}
	if !known {
		u, err := x.body(in.Page)
		if err != nil {
			return nil, err
		}
		res.Updates = []Update{u}
		return res, nil
	}
	d := differ{prev: in.Prev, x: x, page: in.Page}
	res.Updates = d.run()
	if d.err != nil {
		return nil, d.err
	}
	return res, nil
}

// splicedSalt keeps the PageHash of a State built from a page with splices
// apart from the hash of any page: it does not describe one.
const splicedSalt = 0x73706c6963656421

// splicer carries DiffSpliced's input and results through an extraction.
type splicer struct {
	in      SpliceInput
	next    int // next splice to place
	bound   int // next bound to open
	omitted int // bytes of markup left out before the current position
	used    []bool
	spliced []int32
	bounded []int32
	seen    []Seen
	ctx     []uint64 // by bound: the context its fragment opened in
	body    Seen     // the body's, when the page's nesting can be trusted
	heads   []string // the ids outside the body
	buf     *spliceBuffers
	err     error
}

// spliceBuffers are the extraction's slices, pooled: a spliced page copies
// the entries of every unchanged fragment, and they are dropped once the
// State and the updates are made.
type spliceBuffers struct {
	frags  []frag
	idAt   [][2]int32
	stack  []openElem
	fstack []openFrag
	arena  []byte
	seen   map[string]struct{} // checkSplicedDuplicates
	links  []int32             // childLists
	xp     []uint32            // the differ's parents of the new fragments
	marks  []int32             // DiffPatched: the shell and resend of each previous fragment
	used   []bool              // DiffPatched: splicer.used
	octx   []uint64            // DiffPatched: extractor.octx
	// The differ's updates before their HTML is copied out.
	removes, replaces, inserts []op
	outer                      outerBuffers // DiffPatched: withOuter's
	ctx                        []uint64     // DiffPatched: splicer.ctx
	// DiffPatched: the patcher's lookups in its PatchCache.
	keys      []uint64
	hits      []*patchTokens
	tokens    []*patchTokens
	cacheable []bool
	// DiffPatched's own state, none of which its result holds.
	pt patcher
	sp splicer
	e  extractor
	// DiffPatched's tokenizer, reading pt.reader, kept between calls
	// (keepTokenizer): a new one allocates a 4 KB buffer.
	z *html.Tokenizer
	// sparse: the entries of frags outside dirty were not written (every
	// entry of the pool's buffers is zero), so only dirty is cleared.
	sparse bool
	dirty  [][2]int32
	kids   []int32 // DiffPatched: the children of shells a diff visits (see lists)
	lead   []byte  // DiffPatched: a resent or replaced shell's markup after its lead (see withLead)
}

// tokenizer returns DiffPatched's tokenizer of b.pt.reader, the one kept
// from the last call or a new one. It is b's no more until keepTokenizer
// gives it back.
func (b *spliceBuffers) tokenizer() *html.Tokenizer {
	z := b.z
	if z == nil {
		z = html.NewTokenizer(&b.pt.reader)
	}
	b.z = nil
	return z
}

// keepTokenizer keeps z, which read pt's patches, for the next
// DiffPatched if it stopped exactly where they ended: it tokenized every
// byte the reader gave it, so its buffer holds nothing unread, and its
// last token was a patch root's end tag, after which a tokenizer is in
// the state a new one starts in (no raw text pending, no error). A
// tokenizer stopped anywhere else (an error, a patch that did not fit)
// is dropped, as is one that read more than a pooled page.
func (b *spliceBuffers) keepTokenizer(z *html.Tokenizer, pt *patcher) {
	if z != nil && z.Err() == nil && pt.reader.read == pt.tokenized && pt.reader.read <= maxPooledPage {
		b.z = z
	}
}

// keep takes the slices e grew, for the next extraction.
func (b *spliceBuffers) keep(e *extractor) {
	b.frags, b.idAt, b.stack, b.fstack, b.arena = e.x.frags, e.idAt, e.stack, e.fstack, e.arena
	if e.pt != nil {
		b.octx = e.octx
	}
}

// buffersOf returns the pooled buffers of extraction x, or nil.
func buffersOf(x *extraction) *spliceBuffers {
	if x.sp == nil {
		return nil
	}
	return x.sp.buf
}

var spliceBufferPool sync.Pool // of *spliceBuffers

func getSpliceBuffers(n int) *spliceBuffers {
	if b, ok := spliceBufferPool.Get().(*spliceBuffers); ok && cap(b.frags) >= n {
		return b
	}
	return &spliceBuffers{frags: make([]frag, 0, n), idAt: make([][2]int32, 0, n)}
}

// maxPooledFrags keeps one huge page from pinning its buffers forever;
// maxPooledPage, one huge patch.
const (
	maxPooledFrags = 1 << 14
	maxPooledPage  = 1 << 18
)

func putSpliceBuffers(b *spliceBuffers) {
	if cap(b.frags) > maxPooledFrags {
		return
	}
	// Drop the ids the entries hold.
	if b.sparse {
		for _, d := range b.dirty {
			clear(b.frags[d[0]:d[1]])
		}
	} else {
		clear(b.frags[:cap(b.frags)])
	}
	b.sparse, b.dirty = false, b.dirty[:0]
	clear(b.stack[:cap(b.stack)])
	clear(b.seen)
	b.pt, b.sp, b.e = patcher{}, splicer{}, extractor{} // drop the page and its patches
	clear(b.hits[:cap(b.hits)])                         // drop the cache's entries
	if cap(b.outer.page) > maxPooledPage {
		b.outer.page = nil
	}
	if cap(b.lead) > maxPooledPage {
		b.lead = nil
	}
	for _, ops := range [][]op{b.removes, b.replaces, b.inserts} {
		clear(ops[:cap(ops)]) // drop the ids they hold
	}
	spliceBufferPool.Put(b)
}

func (sp *splicer) fail(format string, args ...any) {
	if sp.err == nil {
		sp.err = fmt.Errorf("%w: "+format, append([]any{ErrSplice}, args...)...)
	}
}

// due reports whether a splice sits at or before end.
func (sp *splicer) due(end int) bool {
	return sp.next < len(sp.in.Splices) && sp.in.Splices[sp.next].Pos <= end
}

// spliceToken places the splices due at the token [s, end) of type text
// (isText) or another type: before it, or inside it for text, which is cut
// around them exactly as the missing markup would cut it. afterPre is the
// token's: it follows a <pre> or <listing> start tag.
func (e *extractor) spliceToken(s, end int, isText, afterPre bool) {
	sp := e.sp
	for sp.due(end) && sp.err == nil {
		pos := sp.in.Splices[sp.next].Pos
		if pos == end && end > s {
			break // after the token: placed before the next one
		}
		if pos < s || (pos > s && !isText) {
			sp.fail("splice %d at byte %d is inside markup", sp.next, pos)
			return
		}
		if pos > s {
			e.text(s, pos, afterPre)
			s = pos
		} else if afterPre {
			// The parser drops a newline the spliced markup may start with.
			sp.fail("splice %d right after <pre> or <listing>", sp.next)
			return
		}
		afterPre = false
		e.splice(sp.next)
		sp.next++
	}
	if isText && end > s {
		e.text(s, end, afterPre)
	}
}

// splice places Splices[i] at the current position.
func (e *extractor) splice(i int) {
	sp := e.sp
	s := sp.in.Splices[i]
	prev := sp.in.Prev
	a, fl := e.top()
	switch {
	case e.mode != inBody:
		sp.fail("splice %d outside the body", i)
		return
	case fl&fTemplate != 0 || isRawText(a):
		sp.fail("splice %d inside <template> or raw text", i)
		return
	case !s.Seen.Spliceable():
		sp.fail("splice %d has no usable Seen", i)
		return
	case s.Seen.ctx != e.context():
		sp.fail("splice %d is in another context than its subtree was extracted in", i)
		return
	case s.Prev <= 0 || int(s.Prev)+int(s.Seen.frags) > len(prev.IDs) || s.Seen.frags == 0:
		sp.fail("splice %d names fragments %d+%d of %d", i, s.Prev, s.Seen.frags, len(prev.IDs))
		return
	}
	ws := e.space(s.Pos, foreignText(fl))
	if !s.Seen.outerIs(e.page[ws:s.Pos]) {
		// The whitespace before it is the lead of its root.
		sp.fail("splice %d follows other whitespace than its root's lead", i)
		return
	}
	first, n := s.Prev, int32(s.Seen.frags)
	if end := first + n; int(end) < len(prev.IDs) && prev.Parents[end] >= uint32(first) {
		sp.fail("splice %d: the subtree of fragment %d has more than %d fragments", i, first, n)
		return
	}
	if sp.used == nil {
		sp.used = make([]bool, len(prev.IDs))
	}
	for j := first; j < first+n; j++ {
		if sp.used[j] || j > first && prev.Parents[j] < uint32(first) {
			sp.fail("splice %d: fragment %d is used twice or outside the subtree", i, j)
			return
		}
		sp.used[j] = true
	}
	e.notText() // the spliced root is an element
	e.flush(ws)
	parent := &e.fstack[len(e.fstack)-1]
	root := int32(len(e.x.frags))
	direct := len(e.stack) == 0 && parent.idx == 0 ||
		len(e.stack) > 0 && e.stack[len(e.stack)-1].frag == parent.idx
	for j := first; j < first+n; j++ {
		f := frag{
			lead: s.Pos, start: s.Pos, end: s.Pos, hash: prev.Hashes[j], tag: prev.Tags[j], anchor: prev.Anchors[j],
			parent: root + int32(prev.Parents[j]) - first, from: j + 1,
		}
		if j == first {
			f.lead = ws
			f.parent, f.anchor, f.direct = parent.idx, parent.written, direct
			f.omitted, f.splice = int32(s.Seen.size), int32(i)+1
			f.noCache = s.Seen.RootNoCache()
		}
		e.x.frags = append(e.x.frags, f)
		e.idAt = append(e.idAt, [2]int32{-1, j}) // prev.IDs[j], see finish
	}
	sp.spliced[i] = root
	sp.omitted += int(s.Seen.size)
	e.x.spliced = true
	e.textAt = -1 // the spliced markup ends with a tag
}

// context packs what the extraction of an element depends on beyond its
// own markup: the parent element's atom and flags and the stack depth.
func (e *extractor) context() uint64 {
	a, fl := e.top()
	return uint64(a) | uint64(fl)<<32 | uint64(min(len(e.stack), 0xffff))<<48
}

// openBound notes that the fragment idx, starting at s and opened in
// context ctx, may be the root of the next bound.
func (e *extractor) openBound(idx int32, lead, s int, ctx uint64) {
	sp := e.sp
	for sp.bound < len(sp.in.Bounds) && sp.in.Bounds[sp.bound].Start < lead {
		sp.bound++ // that bound did not start with a fragment
	}
	if sp.bound < len(sp.in.Bounds) && sp.in.Bounds[sp.bound].Start <= s {
		e.x.frags[idx].bound = int32(sp.bound) + 1
		sp.ctx[sp.bound] = ctx
		sp.bound++
	}
}

// closeBound records the Seen of a bound fragment whose subtree ends
// before fragment end.
func (e *extractor) closeBound(idx, end int32) {
	sp := e.sp
	f := &e.x.frags[idx]
	b := f.bound - 1
	outer := sp.in.Bounds[b].Start - f.lead
	if f.end != sp.in.Bounds[b].End || outer > maxOuter {
		return // the bound is not exactly this fragment
	}
	sp.seen[b], sp.bounded[b] = e.seenOf(idx, end, sp.ctx[b], outer), idx
}

// seenOf returns the Seen of the subtree of fragment idx, which ends
// before fragment end, in context ctx. The Seen of the bounds inside it
// are known.
func (e *extractor) seenOf(idx, end int32, ctx uint64, outer int) Seen {
	sp := e.sp
	f := &e.x.frags[idx]
	s := Seen{ctx: ctx, size: uint32(f.end - f.lead - outer + int(f.omitted)),
		frags: uint32(end - idx), flags: seenValid, outer: outerOf(e.page[f.lead : f.lead+outer])}
	// nested is the end of the bound or splice subtree being skipped for
	// seenShellNoCache.
	nested := int32(-1)
	for j := idx; j < end; j++ {
		g := &e.x.frags[j]
		if j > idx && j >= nested {
			switch {
			case g.splice > 0:
				nested = j + int32(sp.in.Splices[g.splice-1].Seen.frags)
			case g.bound > 0 && sp.bounded[g.bound-1] == j:
				nested = j + int32(sp.seen[g.bound-1].frags)
			}
		}
		if g.noCache {
			s.flags |= seenNoCache
			if j > idx {
				s.flags |= seenBelowNoCache
			}
			if j >= nested {
				s.flags |= seenShellNoCache
				if j > idx {
					s.flags |= seenShellBelowNoCache
				}
			}
		}
	}
	if f.noCache {
		s.flags |= seenRootNoCache
	}
	return s
}

// finishSplices completes a spliced extraction: no splice may be left
// unplaced, a page whose nesting cannot be trusted cannot be spliced, and
// no learned Seen is valid for such a page.
func (e *extractor) finishSplices() {
	sp := e.sp
	if sp.next < len(sp.in.Splices) {
		sp.fail("splice %d at byte %d is past the end of the page", sp.next, sp.in.Splices[sp.next].Pos)
	}
	e.x.frags[0].omitted = int32(sp.omitted)
	if !e.x.opaque {
		sp.body = e.seenOf(0, int32(len(e.x.frags)), 0, 0)
		return
	}
	if len(sp.in.Splices) > 0 {
		sp.fail("the page's nesting cannot be trusted")
	}
	for i := range sp.seen {
		sp.seen[i], sp.bounded[i] = Seen{}, -1
	}
}

// checkSplicedDuplicates is the duplicate-id check of a page with splices:
// spliced ids are unique among themselves (they are distinct fragments of
// prev), so only the tokenized ids are indexed, and the spliced ones are
// looked up in that index.
func (x *extraction) checkSplicedDuplicates(headIDs []string) error {
	return x.checkIDs(func(yield func(string) bool) {
		for i := 1; i < len(x.frags); i++ {
			if x.frags[i].from == 0 && !yield(x.frags[i].id) {
				return
			}
		}
	}, headIDs, func(yield func(string) bool) {
		for i := 1; i < len(x.frags); i++ {
			if x.frags[i].from != 0 && !yield(x.frags[i].id) {
				return
			}
		}
	})
}

// checkIDs reports the first id that the page has twice: among the
// tokenized ids and headIDs, or one of them among the copied ids, which
// are distinct fragments of prev.
func (x *extraction) checkIDs(tokenized iter.Seq[string], headIDs []string, copied iter.Seq[string]) error {
	var seen map[string]struct{}
	if b := buffersOf(x); b != nil {
		if b.seen == nil {
			b.seen = make(map[string]struct{}, 16)
		}
		seen = b.seen
		defer clear(seen)
	} else {
		seen = make(map[string]struct{}, 16)
	}
	for id := range tokenized {
		if _, dup := seen[id]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicateFragmentID, id)
		}
		seen[id] = struct{}{}
	}
	for _, id := range headIDs {
		if _, dup := seen[id]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicateFragmentID, id)
		}
		seen[id] = struct{}{}
	}
	// The fragments taken from prev are most of the page, and their ids
	// distinct (prev's): each is looked up among the few new ones only
	// when its filter bit says it may be there.
	var filter idFilter
	for id := range seen {
		filter.add(id)
	}
	for id := range copied {
		if !filter.may(id) {
			continue
		}
		if _, dup := seen[id]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicateFragmentID, id)
		}
	}
	return nil
}

// idFilter is a 256-bit filter of ids by their length and their first and
// last bytes: may is false only for an id never added.
type idFilter [4]uint64

func idBit(id string) uint8 {
	if id == "" {
		return 0
	}
	return uint8(len(id)*31) ^ id[0]*7 ^ id[len(id)-1]
}

func (f *idFilter) add(id string) { b := idBit(id); f[b>>6] |= 1 << (b & 63) }

func (f *idFilter) may(id string) bool { b := idBit(id); return f[b>>6]&(1<<(b&63)) != 0 }

// markup returns the outerHTML of fragment n: its bytes of page with the
// markup of the splices inside it filled in.
func (x *extraction) markup(page []byte, n int32) ([]byte, error) {
	f := &x.frags[n]
	if f.shell > 0 {
		return x.pt.markup(f.shell - 1)
	}
	if f.refill > 0 {
		return x.pt.refill(f.refill - 1)
	}
	if x.sp == nil || !x.spliced {
		return page[f.lead:f.end], nil
	}
	sp := x.sp
	if f.splice > 0 {
		m, err := sp.fill(int(f.splice - 1))
		if err != nil || f.lead == f.start {
			return m, err
		}
		return append(append(make([]byte, 0, f.start-f.lead+len(m)), page[f.lead:f.start]...), m...), nil
	}
	if f.from != 0 {
		return nil, fmt.Errorf("%w: the markup of spliced fragment %q is not available", ErrSplice, f.id)
	}
	var out []byte
	last := f.lead
	for i, s := range sp.in.Splices {
		if s.Pos <= f.lead || s.Pos >= f.end {
			continue
		}
		m, err := sp.fill(i)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = make([]byte, 0, f.end-f.lead+int(f.omitted))
		}
		out = append(append(out, page[last:s.Pos]...), m...)
		last = s.Pos
	}
	if out == nil {
		return page[f.lead:f.end], nil
	}
	return append(out, page[last:f.end]...), nil
}

func (sp *splicer) fill(i int) ([]byte, error) {
	if sp.in.Fill == nil {
		return nil, fmt.Errorf("%w: no Fill for splice %d", ErrSplice, i)
	}
	m, err := sp.in.Fill(i)
	if err != nil {
		return nil, fmt.Errorf("%w: filling splice %d: %w", ErrSplice, i, err)
	}
	return m, nil
}

// isRawText reports the elements whose content the tokenizer returns as
// one text token.
func isRawText(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Textarea, atom.Title, atom.Xmp, atom.Iframe,
		atom.Noembed, atom.Noframes, atom.Noscript, atom.Plaintext:
		return true
	}
	return false
}

// headStrings returns the ids outside the body, from the arena all.
func (e *extractor) headStrings(all string) []string {
	if len(e.headIDs) == 0 {
		return nil
	}
	heads := make([]string, len(e.headIDs))
	for i, r := range e.headIDs {
		heads[i] = all[r[0]:r[1]]
	}
	return heads
}
