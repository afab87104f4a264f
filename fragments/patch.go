package fragments

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/net/html/atom"
)

// Patch is the new markup of one fragment subtree of the previous page:
// [Start, End) of PatchInput.Page is the outerHTML of a fragment with the
// id of fragment Prev of the previous State, which it replaces with
// everything inside it, with the markup of splices left out. Seen is what
// DiffSpliced or DiffPatched learned of the subtree it replaces: its
// context, which is unchanged, and its size.
//
// Own marks markup that is likely the caller's alone (a part that reads
// its session's id): DiffPatched neither looks it up in PatchInput.Cache
// nor keeps it there, nor the HTML of the updates inside it, so that a
// push's tabs do not fill the cache with entries no other tab finds. It
// changes what a call costs, never what it returns.
type Patch struct {
	Start, End int
	Prev       int32
	Seen       Seen
	Own        bool
}

// Shell is a fragment of the previous page whose markup is unchanged but
// for the patches inside it: its own markup and that of every fragment in
// it outside the patches are as before. Seen is what was learned of its
// subtree (see SpliceResult.Body for the body's).
//
// A shell whose root has data-cache="false" (Seen.ShellResent; never the
// body) is re-sent whole, as Diff re-sends it: its markup, asked for with
// PatchInput.Markup, replaces it, and its fragments are its previous ones
// with the patches inside it tokenized. Own marks such a shell's markup as
// likely the caller's alone, as Patch.Own does: the HTML of its update is
// not kept in PatchInput.Cache.
type Shell struct {
	Prev int32
	Seen Seen
	Own  bool
}

// Resend is a fragment subtree of the previous page that is unchanged but
// has data-cache="false" at its root, which Diff re-sends on any change of
// the page: its markup is asked for (PatchInput.Refill), never tokenized.
type Resend struct {
	Prev int32
	Seen Seen
}

// PatchInput is the input of DiffPatched. Patches are in document order
// and none is inside another; Page need hold only their markup, which may
// be back to back (what lies between them is never read). Every fragment
// above a patch, up to the body (fragment 0), is one of Shells. Splices and Bounds are as for
// DiffSpliced and lie inside the patches. Markup returns the whole markup
// of Shells[i] (but the body's), for an update that replaces a shell; nil
// makes such a render fail with ErrSplice.
type PatchInput struct {
	Prev    *State
	Page    []byte
	Patches []Patch
	Shells  []Shell
	Splices []Splice
	Bounds  []Bound
	// HeadIDs are the ids outside the body (SpliceResult.HeadIDs).
	HeadIDs []string
	Fill    func(i int) ([]byte, error)
	Markup  func(shell int) ([]byte, error)
	// Resends, in document order, are unchanged subtrees of data-cache=
	// "false" roots below shells; Refill returns the markup of Resends[i].
	// DiffPatched only reads what Fill, Markup and Refill return.
	Resends []Resend
	Refill  func(i int) ([]byte, error)
	// Cache, when not nil, keeps the extraction of each patch without
	// splices, and gives it back for the same markup in the same context
	// instead of tokenizing it again; it also shares the updates' HTML
	// strings and hashes between calls that send the same bytes.
	Cache *PatchCache
}

// DiffPatched is Diff for a page given as the patches that changed in the
// previous one: it tokenizes the patches only. The updates and the State
// are those Diff returns for the whole new page, except State.PageHash; the
// result reports the splices and bounds inside the patches as DiffSpliced
// does, the new Seen of every shell, and where each previous fragment now
// is (Index). It fails with ErrSplice when the patches do not fit: a patch
// that is not one fragment subtree with the id it replaces, a patch or
// splice out of place, a fragment above a patch that is not a shell, a
// shell holding data-cache="false" outside its patches, a page whose
// nesting turns out untrustworthy, or an update that would replace the
// body; the caller then renders the page whole. The caller vouches that
// the markup outside the patches is unchanged.
func DiffPatched(in PatchInput) (*SpliceResult, error) {
	prev := in.Prev
	if !prev.valid() {
		return nil, fmt.Errorf("%w: no previous state to patch", ErrSplice)
	}
	n := int32(len(prev.IDs))
	buf := getSpliceBuffers(int(n) + 8)
	defer putSpliceBuffers(buf)
	in = withOuter(in, &buf.outer)
	// Which shell and which resend each previous fragment is: 1 + its
	// index, or 0.
	marks := slices.Grow(buf.marks[:0], 2*int(n))[:2*n]
	clear(marks)
	buf.marks = marks
	pt := &buf.pt
	*pt = patcher{in: in, shellAt: marks[:n:n], resendAt: marks[n:], buf: buf}
	for i, s := range in.Shells {
		if s.Prev < 0 || s.Prev >= n || !s.Seen.Valid() || s.Seen.ShellNoCache() && (s.Prev == 0 || !s.Seen.ShellResent()) {
			return nil, fmt.Errorf("%w: shell %d (fragment %d) cannot stand unchanged", ErrSplice, i, s.Prev)
		}
		pt.shellAt[s.Prev] = int32(i) + 1
	}
	if pt.shellAt[0] == 0 {
		return nil, fmt.Errorf("%w: the body is not a shell", ErrSplice)
	}
	for i, r := range in.Resends {
		if r.Prev <= 0 || r.Prev >= n || !r.Seen.Spliceable() || !r.Seen.RootNoCache() ||
			r.Prev+int32(r.Seen.frags) > n || !pt.belowShells(r.Prev) {
			return nil, fmt.Errorf("%w: resend %d (fragment %d) does not fit", ErrSplice, i, r.Prev)
		}
		pt.resendAt[r.Prev] = int32(i) + 1
	}
	sp := &buf.sp
	*sp = splicer{in: SpliceInput{Prev: prev, Page: in.Page, Splices: in.Splices, Bounds: in.Bounds, Fill: in.Fill},
		seen: make([]Seen, len(in.Bounds)), bounded: make([]int32, len(in.Bounds)),
		spliced: make([]int32, len(in.Splices)), ctx: grown(&buf.ctx, len(in.Bounds)), used: slices.Grow(buf.used[:0], int(n))[:n]}
	clear(sp.used)
	buf.used = sp.used
	for i := range sp.bounded {
		sp.bounded[i] = -1
	}
	sp.buf = buf
	e := &buf.e
	*e = extractor{page: in.Page, sp: sp, pt: pt, mode: inBody, textAt: -1,
		stack: sp.buf.stack[:0], fstack: sp.buf.fstack[:0], arena: sp.buf.arena[:0], octx: sp.buf.octx[:0]}
	e.x.sp, e.x.pt = sp, pt
	// One tokenizer reads the patches one after the other, but those the
	// cache has (see patchAll): each ends with its root's end tag, so no
	// token spans two.
	pt.reader = patchReader{page: in.Page, patches: in.Patches}
	e.x.frags, e.idAt = sp.buf.frags[:0], sp.buf.idAt[:0]
	defer sp.buf.keep(e)
	if err := e.patchAll(); err != nil {
		return nil, err
	}
	if sp.err != nil {
		return nil, sp.err
	}
	buf.keepTokenizer(e.z, pt)
	x := &e.x
	var all string // the arena's ids, made when one is not prev's
	if pt.same {
		for _, p := range in.Patches {
			e.nameFrags(&all, p.Prev, p.Prev+int32(p.Seen.frags))
		}
	} else {
		e.nameFrags(&all, 0, int32(len(x.frags)))
	}
	if err := pt.checkDuplicates(x, sp.used); err != nil {
		return nil, err
	}
	d := differ{prev: prev, x: x, page: in.Page, shared: in.Cache}
	if slices.ContainsFunc(in.Patches, func(p Patch) bool { return p.Own }) ||
		slices.ContainsFunc(in.Shells, func(s Shell) bool { return s.Own }) {
		d.own = in.Patches
		d.ownShells = in.Shells
	}
	ups := d.run()
	switch {
	case d.err != nil:
		return nil, d.err
	case d.corrupt || len(d.replaces) == 1 && d.replaces[0].frag == 0 && d.replaces[0].action == ActionReplace:
		return nil, fmt.Errorf("%w: the update replaces the body", ErrSplice)
	}
	return &SpliceResult{Updates: ups, State: pt.state(x), Spliced: sp.spliced,
		Bounded: sp.bounded, Seen: sp.seen, Index: pt.index, Shells: pt.shells, HeadIDs: in.HeadIDs}, nil
}

// patcher carries DiffPatched's input and results through an extraction.
type patcher struct {
	in       PatchInput
	shellAt  []int32 // prev fragment -> 1 + its shell, or 0
	resendAt []int32 // prev fragment -> 1 + its resend, or 0
	index    []int32 // prev fragment -> new, or -1
	shells   []Seen
	reader   patchReader
	// By patch, when there is a cache: its key, its cached extraction,
	// the extraction it has (found or kept), and whether it may be cached
	// (it holds no splice).
	keys      []uint64
	hits      []*patchTokens
	tokens    []*patchTokens
	cacheable []bool
	buf       *spliceBuffers // where these are kept
	tokenized int            // bytes of the reader's the tokenizer has returned as tokens
	// same: every fragment of the new page is where it was in prev, below
	// the same parent, but inside the patches (see inPlace); first and
	// placedEnd is where the
	// fragments of the patch that ended the try end.
	same      bool
	placedEnd int
}

// patchAll builds the fragments of the new page: those of prev in
// document order, each patch's subtree replaced by its extraction.
//
// While every patch gives as many fragments as the subtree it replaces,
// each fragment of the new page is where it was in prev, below the parent
// it had there: patchAll tries that first (inPlace), writing only the
// entries a diff reads (the shells, their children and the patches) and
// leaving the rest of the page as prev has it, unread. A patch that
// changes the count ends the try: the entries are then written for the
// whole page, as they fall.
func (e *extractor) patchAll() error {
	pt, prev := e.pt, e.pt.in.Prev
	n := int32(len(prev.IDs))
	pt.index = make([]int32, n)
	for j := range pt.index {
		pt.index[j] = int32(j)
	}
	pt.shells = make([]Seen, len(pt.in.Shells))
	for i, s := range pt.in.Shells {
		pt.shells[i] = s.Seen
	}
	// Every fragment of prev but those a patch replaces is taken as it
	// is: no splice may take it again.
	for j := range e.sp.used {
		e.sp.used[j] = true
	}
	last, after := 0, int32(0) // the end of the last patch, in the page and in prev
	for i, p := range pt.in.Patches {
		if p.Prev < after {
			return fmt.Errorf("%w: patch %d (fragment %d) is out of order or inside another", ErrSplice, i, p.Prev)
		}
		if err := e.checkPatch(i, p); err != nil {
			return err
		}
		if p.Start < last {
			return fmt.Errorf("%w: patch %d starts at byte %d, before the end of the one before it", ErrSplice, i, p.Start)
		}
		last, after = p.End, p.Prev+int32(p.Seen.frags)
		for k := p.Prev; k < after; k++ {
			pt.index[k], e.sp.used[k] = -1, false
		}
	}
	// A resend is copied whole: no patch may lie inside it (one that
	// replaces it, or a subtree around it, takes its place).
	for r, s := range pt.in.Resends {
		if pt.index[s.Prev] < 0 {
			continue
		}
		end := s.Prev + int32(s.Seen.frags)
		k := sort.Search(len(pt.in.Patches), func(k int) bool { return pt.in.Patches[k].Prev > s.Prev })
		if k < len(pt.in.Patches) && pt.in.Patches[k].Prev < end {
			return fmt.Errorf("%w: patch %d is inside resend %d", ErrSplice, k, r)
		}
	}
	pt.lookup()
	// Most of the page is taken as it was: room for it, written in place.
	e.x.frags = slices.Grow(e.x.frags[:0], int(n))
	e.idAt = slices.Grow(e.idAt[:0], int(n))
	placed, err := e.inPlace()
	if err != nil || placed == len(pt.in.Patches) && pt.same {
		return err
	}
	// Patches before placed stand where inPlace put them; the last of
	// them ends at its own count.
	pt.same, pt.buf.sparse = false, false
	e.x.frags, e.idAt = e.x.frags[:0], e.idAt[:0]
	keep := int32(0)
	if placed > 0 {
		keep = pt.in.Patches[placed-1].Prev
	}
	next := 0
	for j := int32(0); j < n; {
		if next < len(pt.in.Patches) && pt.in.Patches[next].Prev == j {
			p := pt.in.Patches[next]
			switch {
			case next < placed-1:
				end := int(j) + int(p.Seen.frags)
				e.x.frags, e.idAt = e.x.frags[:end], e.idAt[:end]
			case next == placed-1:
				e.x.frags, e.idAt = e.x.frags[:pt.placedEnd], e.idAt[:pt.placedEnd]
			default:
				if err := e.patch(next); err != nil {
					return err
				}
			}
			j += int32(p.Seen.frags)
			next++
			continue
		}
		// Below the patches inPlace extracted, the entries it wrote stay:
		// those patches marked the shells around them.
		k := int32(len(e.x.frags))
		if j < keep && e.x.frags[:k+1][k].from == j+1 {
			e.x.frags = e.x.frags[:k+1]
		} else {
			e.x.frags = append(e.x.frags, frag{})
			e.copyFrag(j, k)
		}
		e.idAt = append(e.idAt, [2]int32{-1, j})
		pt.index[j] = k
		j++
	}
	return e.finishPatches()
}

// inPlace extracts the patches where their subtrees are in prev, as long
// as each gives as many fragments as it replaces, after writing the
// entries of the shells and their children. It returns how many patches
// it extracted; pt.same says whether the last one kept the count, and
// pt.placedEnd where its fragments end.
func (e *extractor) inPlace() (int, error) {
	pt, prev := e.pt, e.pt.in.Prev
	n := int32(len(prev.IDs))
	pt.same, pt.buf.sparse = true, true
	dirty := pt.buf.dirty[:0]
	defer func() { pt.buf.dirty = dirty }()
	frags, idAt := e.x.frags[:n], e.idAt[:n]
	e.x.frags = frags
	// The diff reads the entries of the shells and of the resends below
	// them; the patches write theirs.
	copied := func(j int32) {
		e.copyFrag(j, j)
		idAt[j] = [2]int32{-1, j}
		dirty = append(dirty, [2]int32{j, j + 1})
	}
	for _, s := range pt.in.Shells {
		if pt.index[s.Prev] >= 0 {
			copied(s.Prev)
		}
	}
	for _, r := range pt.in.Resends {
		if pt.index[r.Prev] >= 0 && pt.shellAt[r.Prev] == 0 {
			copied(r.Prev)
		}
	}
	for i, p := range pt.in.Patches {
		e.x.frags, e.idAt = frags[:p.Prev], idAt[:p.Prev]
		err := e.patch(i)
		end := int32(len(e.x.frags))
		dirty = append(dirty, [2]int32{p.Prev, max(end, p.Prev)})
		if err != nil {
			return i + 1, err
		}
		// The diff takes the lists of the shells' children as prev's
		// (see lists): the root must keep its place.
		if end != p.Prev+int32(p.Seen.frags) || frags[p.Prev].anchor != prev.Anchors[p.Prev] {
			pt.same, pt.placedEnd = false, int(end)
			return i + 1, nil
		}
	}
	e.x.frags, e.idAt = frags, idAt
	return len(pt.in.Patches), e.finishPatches()
}

// copyFrag writes entry k of the new page as fragment j of prev, taken as
// it is: a shell, a resend, or a fragment spliced from prev.
func (e *extractor) copyFrag(j, k int32) {
	pt, prev := e.pt, e.pt.in.Prev
	f := &e.x.frags[k]
	*f = frag{id: prev.IDs[j], hash: prev.Hashes[j], tag: prev.Tags[j], anchor: prev.Anchors[j], from: j + 1, shell: pt.shellAt[j]}
	if j > 0 {
		f.parent = pt.index[prev.Parents[j]]
	}
	if f.shell > 0 && pt.in.Shells[f.shell-1].Seen.RootNoCache() {
		f.noCache = true // re-sent whole, from its markup (Shell)
	}
	if r := pt.resendAt[j] - 1; r >= 0 {
		s := pt.in.Resends[r].Seen
		f.refill, f.noCache = r+1, true
		f.omitted = int32(s.size) + int32(s.outerLen())
	}
}

// finishPatches checks that every splice was placed, and gives each shell
// its size as the diff weighs a replace of it: its previous size and what
// the patches inside it added.
func (e *extractor) finishPatches() error {
	pt := e.pt
	if e.sp.next < len(e.sp.in.Splices) {
		e.sp.fail("splice %d at byte %d is outside the patches", e.sp.next, e.sp.in.Splices[e.sp.next].Pos)
	}
	for i, s := range pt.in.Shells {
		k := pt.index[s.Prev]
		if k < 0 || e.x.frags[k].shell != int32(i)+1 {
			continue // inside a patch
		}
		e.x.frags[k].omitted = int32(pt.shells[i].size) + int32(pt.shells[i].outerLen())
	}
	e.x.spliced = true
	return nil
}

// checkPatch checks that patch i replaces exactly one fragment subtree of
// prev, below shells only.
func (e *extractor) checkPatch(i int, p Patch) error {
	prev := e.pt.in.Prev
	n := int32(len(prev.IDs))
	first, count := p.Prev, int32(p.Seen.frags)
	switch {
	case first <= 0 || count <= 0 || first+count > n || !p.Seen.Valid():
		return fmt.Errorf("%w: patch %d names fragments %d+%d of %d", ErrSplice, i, first, count, n)
	case first+count < n && prev.Parents[first+count] >= uint32(first):
		return fmt.Errorf("%w: patch %d: the subtree of fragment %d has more than %d fragments", ErrSplice, i, first, count)
	case p.Start < 0 || p.End > len(e.pt.in.Page) || p.Start >= p.End:
		return fmt.Errorf("%w: patch %d spans bytes %d-%d of %d", ErrSplice, i, p.Start, p.End, len(e.pt.in.Page))
	}
	for k := first + 1; k < first+count; k++ {
		if prev.Parents[k] < uint32(first) {
			return fmt.Errorf("%w: patch %d: fragment %d is outside the subtree of %d", ErrSplice, i, k, first)
		}
	}
	if !e.pt.belowShells(first) {
		return fmt.Errorf("%w: patch %d: a fragment above it is not a shell", ErrSplice, i)
	}
	return nil
}

// belowShells reports whether every fragment of prev above fragment j, up
// to the body, is a shell: a diff reaches j only through them.
func (pt *patcher) belowShells(j int32) bool {
	prev := pt.in.Prev
	for a := prev.Parents[j]; ; a = prev.Parents[a] {
		if pt.shellAt[a] == 0 {
			return false
		}
		if a == 0 {
			return true
		}
	}
}

// patch extracts patch i: the tokens of its markup, in the context its
// subtree had, below its parent, which is already in place.
func (e *extractor) patch(i int) error {
	pt := e.pt
	p := pt.in.Patches[i]
	prev := pt.in.Prev
	parent := pt.index[prev.Parents[p.Prev]]
	// The stack of open elements as it was at the patch: its depth and
	// the innermost element, which is all the extraction looks at.
	a, fl, depth := p.Seen.context()
	e.stack = e.stack[:0]
	for range depth - 1 {
		e.stack = append(e.stack, openElem{frag: -1})
	}
	if depth > 0 {
		e.stack = append(e.stack, openElem{a: a, frag: -1, flags: fl})
	}
	e.fstack = append(e.fstack[:0], openFrag{idx: parent, run: -1, written: prev.Anchors[p.Prev]})
	root := int32(len(e.x.frags))
	if pt.hits != nil && pt.hits[i] != nil {
		e.replay(pt.hits[i], p, parent, depth)
	} else if err := e.tokenizePatch(i, root, depth); err != nil {
		return err
	}
	r := e.idAt[root]
	if string(e.arena[r[0]:r[1]]) != prev.IDs[p.Prev] {
		return fmt.Errorf("%w: patch %d has id %q, not %q", ErrSplice, i, e.arena[r[0]:r[1]], prev.IDs[p.Prev])
	}
	if pt.cacheable != nil && pt.cacheable[i] {
		t := pt.hits[i]
		if t == nil {
			t = e.cut(p, root)
			pt.in.Cache.set(pt.keys[i], t)
		}
		pt.tokens[i] = t
	}
	pt.index[p.Prev] = root
	f := &e.x.frags[root]
	size := int64(f.end-f.lead+int(f.omitted)) - int64(p.Seen.size) - int64(p.Seen.outerLen())
	count := int64(len(e.x.frags)) - int64(root) - int64(p.Seen.frags)
	var flags uint8
	for j := root; j < int32(len(e.x.frags)); j++ {
		if e.x.frags[j].noCache {
			flags |= seenNoCache | seenBelowNoCache
		}
	}
	// Shells above take the patch's size; their data-cache="false"
	// flags only grow (a stale flag costs a render, never correctness).
	for a := prev.Parents[p.Prev]; ; a = prev.Parents[a] {
		s := &pt.shells[pt.shellAt[a]-1]
		s.size = uint32(int64(s.size) + size)
		s.frags = uint32(int64(s.frags) + count)
		s.flags |= flags
		if a == 0 {
			return nil
		}
	}
}

// tokenizePatch tokenizes patch i, whose root is to be fragment root, in
// the context e's stacks hold, and checks that it is one fragment subtree.
func (e *extractor) tokenizePatch(i int, root int32, depth int) error {
	p := e.pt.in.Patches[i]
	if e.z == nil {
		e.z = e.pt.buf.tokenizer()
	}
	e.octx = e.octx[:0]
	e.stop = p.End
	end := e.tokens(p.Start)
	e.pt.tokenized += end - p.Start
	if end != p.End {
		return fmt.Errorf("%w: patch %d ends at byte %d, not %d", ErrSplice, i, end, p.End)
	}
	switch {
	case e.sp.err != nil:
		return e.sp.err
	case e.x.opaque:
		return fmt.Errorf("%w: patch %d: the page's nesting cannot be trusted", ErrSplice, i)
	case int32(len(e.x.frags)) == root || e.x.frags[root].lead != p.Start || e.x.frags[root].end != p.End ||
		len(e.stack) != depth || len(e.fstack) != 1:
		return fmt.Errorf("%w: patch %d is not one element with an id", ErrSplice, i)
	}
	return nil
}

// context unpacks the context a Seen was extracted in: the parent element
// (atom and flags) and the depth of the stack of open elements.
func (s Seen) context() (atom.Atom, uint16, int) {
	return atom.Atom(uint32(s.ctx)), s.parentFlags(), int(s.ctx >> 48)
}

func (s Seen) parentFlags() uint16 { return uint16(s.ctx >> 32) }

// refill returns the markup of resend i, its lead outside the patches
// first.
func (pt *patcher) refill(i int32) ([]byte, error) {
	if pt.in.Refill == nil {
		return nil, fmt.Errorf("%w: no Refill for resend %d", ErrSplice, i)
	}
	m, err := pt.in.Refill(int(i))
	if err != nil {
		return nil, fmt.Errorf("%w: the markup of resend %d: %w", ErrSplice, i, err)
	}
	return pt.withLead(pt.in.Resends[i].Seen.outerString(), m), nil
}

// withLead returns m with lead before it, written in a buffer that the
// next call reuses: the differ copies an update's markup as soon as it has
// it.
func (pt *patcher) withLead(lead string, m []byte) []byte {
	if lead == "" {
		return m
	}
	b := append(append(pt.buf.lead[:0], lead...), m...)
	pt.buf.lead = b
	return b
}

// markup returns the markup of shell i, for an update that replaces it.
func (pt *patcher) markup(i int32) ([]byte, error) {
	if pt.in.Shells[i].Prev == 0 {
		return nil, fmt.Errorf("%w: the update replaces the body", ErrSplice)
	}
	if pt.in.Markup == nil {
		return nil, fmt.Errorf("%w: no Markup for shell %d", ErrSplice, i)
	}
	m, err := pt.in.Markup(int(i))
	if err != nil {
		return nil, fmt.Errorf("%w: the markup of shell %d: %w", ErrSplice, i, err)
	}
	return pt.withLead(pt.in.Shells[i].Seen.outerString(), m), nil
}

// withOuter returns in with the whitespace each patch's root has before
// it (Seen's outer lead) written before the patch, in a page of the
// patches alone, and the positions of the patches, splices and bounds
// moved to it; in itself when no patch has such whitespace. The page and
// positions are written in b, which the caller keeps until it is done with
// the result.
func withOuter(in PatchInput, b *outerBuffers) PatchInput {
	need := false
	for _, p := range in.Patches {
		if p.Start < 0 || p.End > len(in.Page) || p.Start > p.End {
			return in // checkPatch refuses it
		}
		need = need || p.Seen.outerLen() > 0
	}
	if !need {
		return in
	}
	out := in
	out.Patches = grown(&b.patches, len(in.Patches))
	shift := grown(&b.shift, len(in.Patches))
	page := b.page[:0]
	for k, p := range in.Patches {
		start := len(page)
		page = append(page, p.Seen.outerString()...)
		shift[k] = len(page) - p.Start
		page = append(page, in.Page[p.Start:p.End]...)
		out.Patches[k] = p
		out.Patches[k].Start, out.Patches[k].End = start, len(page)
	}
	// move maps a position of in.Page inside a patch to page, and any
	// other to -1 (DiffPatched refuses a splice there). Patches may be
	// back to back in in.Page, and their lead is written between them
	// here: where one ends and the next starts, a start (a splice, a
	// bound's start) is the next one's, after its lead, and an end the
	// one's that ends there.
	move := func(pos int, end bool) int {
		for k, p := range in.Patches {
			if p.Start <= pos && pos < p.End || end && p.Start < pos && pos == p.End {
				return pos + shift[k]
			}
		}
		return -1
	}
	out.Splices = grown(&b.splices, len(in.Splices))
	for i, s := range in.Splices {
		s.Pos = move(s.Pos, false)
		out.Splices[i] = s
	}
	out.Bounds = grown(&b.bounds, len(in.Bounds))
	for i, bd := range in.Bounds {
		out.Bounds[i] = Bound{Start: move(bd.Start, false), End: move(bd.End, true)}
	}
	out.Page, b.page = page, page
	return out
}

// outerBuffers are withOuter's page and positions, pooled with the
// extraction's buffers: nothing of them outlives DiffPatched (updates and
// cached patches copy the markup they keep).
type outerBuffers struct {
	page    []byte
	patches []Patch
	shift   []int
	splices []Splice
	bounds  []Bound
}

// grown returns *s at length n, its elements zero, growing it as needed.
func grown[T any](s *[]T, n int) []T {
	*s = slices.Grow((*s)[:0], n)[:n]
	clear(*s)
	return *s
}

// pageHash returns the PageHash of the patched State: like a spliced
// page's, never the hash of a page.
func (pt *patcher) pageHash(prev *State) uint64 {
	d := xxhash.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], prev.PageHash)
	_, _ = d.Write(b[:])
	for _, p := range pt.in.Patches {
		_, _ = d.Write(pt.in.Page[p.Start:p.End])
	}
	return d.Sum64() ^ splicedSalt
}

// patchReader reads the markup of the patches, one after the other, but
// those skip marks.
type patchReader struct {
	page    []byte
	patches []Patch
	skip    []*patchTokens // by patch: not nil for a patch not to read
	next    int            // the patch being read
	off     int            // bytes of it read
	read    int            // bytes read in all
}

func (r *patchReader) Read(b []byte) (int, error) {
	for r.next < len(r.patches) {
		p := r.patches[r.next]
		if p.Start < 0 || p.End > len(r.page) || p.Start+r.off >= p.End || r.skip != nil && r.skip[r.next] != nil {
			r.next, r.off = r.next+1, 0
			continue
		}
		n := copy(b, r.page[p.Start+r.off:p.End])
		r.off += n
		r.read += n
		return n, nil
	}
	return 0, io.EOF
}

// nameFrags gives the new fragments [from, to) their ids: a copied one's
// from prev; a tokenized one's from the arena, as a string of *all (the
// arena's, made once), or prev's at the same place when it is the same id,
// as it most often is (a patch keeps its ids): no string is made then.
func (e *extractor) nameFrags(all *string, from, to int32) {
	prev := e.pt.in.Prev
	for i := from; i < to; i++ {
		r := e.idAt[i]
		switch {
		case r[0] < 0:
			e.x.frags[i].id = prev.IDs[r[1]]
		case int(i) < len(prev.IDs) && string(e.arena[r[0]:r[1]]) == prev.IDs[i]:
			e.x.frags[i].id = prev.IDs[i]
		default:
			if *all == "" {
				*all = string(e.arena)
			}
			e.x.frags[i].id = (*all)[r[0]:r[1]]
		}
	}
}

// checkDuplicates is checkSplicedDuplicates for the patched page x. When
// every fragment is where it was in prev (pt.same), the copied ids are
// those of the fragments of prev it used (spliced.used); when, besides,
// each patch gives its fragments the ids prev has there, the page's ids
// are prev's, distinct, and only ids outside the body can clash.
func (pt *patcher) checkDuplicates(x *extraction, used []bool) error {
	if !pt.same {
		return x.checkSplicedDuplicates(pt.in.HeadIDs)
	}
	prev := pt.in.Prev
	asPrev := len(pt.in.HeadIDs) == 0
	for _, p := range pt.in.Patches {
		for k := p.Prev; asPrev && k < p.Prev+int32(p.Seen.frags); k++ {
			f := &x.frags[k]
			asPrev = f.id == prev.IDs[k] && (f.from == 0 || f.from == k+1)
		}
	}
	if asPrev {
		return nil
	}
	return x.checkIDs(func(yield func(string) bool) {
		for _, p := range pt.in.Patches {
			for k := p.Prev; k < p.Prev+int32(p.Seen.frags); k++ {
				if x.frags[k].from == 0 && !yield(x.frags[k].id) {
					return
				}
			}
		}
	}, pt.in.HeadIDs, func(yield func(string) bool) {
		for j := 1; j < len(prev.IDs); j++ {
			if used[j] && !yield(prev.IDs[j]) {
				return
			}
		}
	})
}

// state returns the State of the patched page x. When every fragment is
// where it was in prev (pt.same), it is prev's lists with the patches'
// entries set, each list that no patch changed prev's own, shared (a
// State is immutable); otherwise x's fragments, as stateFrom takes them.
func (pt *patcher) state(x *extraction) *State {
	prev := pt.in.Prev
	ph := pt.pageHash(prev)
	if !pt.same {
		return x.stateFrom(ph, prev)
	}
	s := &State{Format: stateFormat, PageHash: ph, opaque: x.why, opaqueAt: x.whyAt,
		IDs: prev.IDs, Parents: prev.Parents, Hashes: prev.Hashes, Anchors: prev.Anchors, Tags: prev.Tags}
	var own [5]bool // the lists copied from prev's
	for _, p := range pt.in.Patches {
		for i := int(p.Prev); i < int(p.Prev)+int(p.Seen.frags); i++ {
			f := &x.frags[i]
			put(&s.Hashes, &own[0], i, f.hash)
			put(&s.IDs, &own[1], i, f.id)
			put(&s.Parents, &own[2], i, uint32(f.parent))
			put(&s.Anchors, &own[3], i, f.anchor)
			put(&s.Tags, &own[4], i, f.tag)
		}
	}
	return s
}

// lists returns the child lists a diff of the patched page x reads when
// every fragment is where it was in prev (pt.same), in buf (of 4 times the
// fragments of prev), prev's first, then x's. The diff descends only into
// the shells and the patches: a shell lists only the children the diff
// does not skip (shells, resends and patch roots, which keep their place),
// a patch its subtree, as prev and x have it. No other entry is written.
func (pt *patcher) lists(x *extraction, buf []int32) (pFirst, pNext, xFirst, xNext []int32) {
	prev := pt.in.Prev
	n := len(prev.IDs)
	pFirst, pNext, xFirst, xNext = buf[:n:n], buf[n:2*n:2*n], buf[2*n:3*n:3*n], buf[3*n:4*n:4*n]
	kids := pt.buf.kids[:0]
	for _, s := range pt.in.Shells {
		if !pt.inPatch(s.Prev) {
			pFirst[s.Prev], xFirst[s.Prev] = -1, -1
			if s.Prev > 0 {
				kids = append(kids, s.Prev)
			}
		}
	}
	for _, r := range pt.in.Resends {
		if !pt.inPatch(r.Prev) {
			kids = append(kids, r.Prev)
		}
	}
	for _, p := range pt.in.Patches {
		kids = append(kids, p.Prev)
	}
	slices.Sort(kids)
	kids = slices.Compact(kids)
	pt.buf.kids = kids
	for _, k := range kids {
		par := prev.Parents[k]
		pFirst[par], xFirst[par] = -1, -1 // a shell's, or one the diff never reaches
	}
	for i := len(kids) - 1; i >= 0; i-- {
		k := kids[i]
		par := prev.Parents[k]
		pNext[k], xNext[k] = pFirst[par], xFirst[par]
		pFirst[par], xFirst[par] = k, k
	}
	for _, p := range pt.in.Patches {
		root, end := p.Prev, p.Prev+int32(p.Seen.frags)
		for k := root; k < end; k++ {
			pFirst[k], xFirst[k] = -1, -1
		}
		for k := end - 1; k > root; k-- {
			par := prev.Parents[k]
			pNext[k], pFirst[par] = pFirst[par], k
			xpar := x.frags[k].parent
			xNext[k], xFirst[xpar] = xFirst[xpar], k
		}
	}
	return pFirst, pNext, xFirst, xNext
}

// inPatch reports whether fragment j of prev is inside a patch's subtree.
func (pt *patcher) inPatch(j int32) bool {
	ps := pt.in.Patches
	k := sort.Search(len(ps), func(k int) bool { return ps[k].Prev > j }) - 1
	return k >= 0 && j < ps[k].Prev+int32(ps[k].Seen.frags)
}

// spans returns the ranges of prev whose child lists a diff reads: all of
// prev, or, when every fragment is where it was (pt.same), the patches'
// subtrees, which hold every list the diff may key (see lists), in buf.
func (pt *patcher) spans(buf [][2]int32) [][2]int32 {
	for _, p := range pt.in.Patches {
		buf = append(buf, [2]int32{p.Prev, p.Prev + int32(p.Seen.frags)})
	}
	return buf
}
