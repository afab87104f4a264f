package fragments

import (
	"slices"
	"sort"
)

// Diff compares the page the browser has, described by prev, with a newly
// rendered page and returns the updates that turn one into the other, and
// the State describing page. It never modifies prev.
//
// prev == nil (or a State this build cannot use) means the browser's page
// is unknown: Diff returns one update replacing the body. An identical page
// gives no updates and returns prev itself. Diff fails only with
// ErrDuplicateFragmentID. Timestamp and DataChanged are left to the caller.
func Diff(prev *State, page []byte) ([]Update, *State, error) {
	ph := pageHash(page)
	known := prev.valid()
	if known && prev.PageHash == ph {
		return nil, prev, nil
	}
	hint := 0
	if known {
		hint = len(prev.IDs)
	}
	x, err := extract(page, hint)
	if err != nil {
		return nil, nil, err
	}
	next := x.state(ph)
	if !known {
		u, err := x.body(page)
		return []Update{u}, next, err
	}
	d := differ{prev: prev, x: x, page: page}
	return d.run(), next, nil
}

// NewState returns the State of page, the one Diff(nil, page) returns,
// without building the body update: for a page the browser gets whole (an
// initial render), this skips copying and hashing the body.
func NewState(page []byte) (*State, error) {
	x, err := extract(page, 0)
	if err != nil {
		return nil, err
	}
	return x.state(pageHash(page)), nil
}

// state returns the persistent form of x.
func (x *extraction) state(ph uint64) *State {
	n := len(x.frags)
	s := &State{
		Format:   stateFormat,
		IDs:      make([]string, n),
		Parents:  make([]uint32, n),
		Hashes:   make(HashList, n),
		Tags:     make(HashList, n),
		Anchors:  make([]uint32, n),
		PageHash: ph,
		opaque:   x.why,
		opaqueAt: x.whyAt,
	}
	for i := range x.frags {
		f := &x.frags[i]
		s.IDs[i], s.Parents[i], s.Hashes[i], s.Tags[i], s.Anchors[i] = f.id, uint32(f.parent), f.hash, f.tag, f.anchor
	}
	return s
}

// stateFrom is state for an extraction whose fragments are mostly prev's,
// a valid State: the ids, parents, anchors and tags, each list when all of
// it is as prev has it, are prev's slices, shared (a State is immutable),
// not copies.
func (x *extraction) stateFrom(ph uint64, prev *State) *State {
	n := len(x.frags)
	if len(prev.IDs) != n {
		return x.state(ph)
	}
	s := &State{Format: stateFormat, Hashes: make(HashList, n), PageHash: ph, opaque: x.why, opaqueAt: x.whyAt,
		IDs: prev.IDs, Parents: prev.Parents, Anchors: prev.Anchors, Tags: prev.Tags}
	var own [4]bool // the lists copied from prev's
	for i := range x.frags {
		f := &x.frags[i]
		s.Hashes[i] = f.hash
		put(&s.IDs, &own[0], i, f.id)
		put(&s.Parents, &own[1], i, uint32(f.parent))
		put(&s.Anchors, &own[2], i, f.anchor)
		put(&s.Tags, &own[3], i, f.tag)
	}
	return s
}

// put sets (*l)[i] to v, copying *l first unless own says it is a copy.
func put[L ~[]E, E comparable](l *L, own *bool, i int, v E) {
	if (*l)[i] == v {
		return
	}
	if !*own {
		*l, *own = slices.Clone(*l), true
	}
	(*l)[i] = v
}

// body returns the update replacing the whole body.
func (x *extraction) body(page []byte) (Update, error) {
	m, err := x.markup(page, 0)
	if err != nil {
		return Update{}, err
	}
	h := string(m)
	if x.implicit {
		h = "<body>" + h
	}
	return Update{Action: ActionReplace, HTML: h, HTMLHash: HashHTML(h)}, nil
}

// updateOverhead approximates the bytes of an update besides its html and
// ids in package live's wire form (its action and separators); it weighs
// update counts against HTML size.
const updateOverhead = 4

type differ struct {
	prev *State
	x    *extraction
	page []byte

	removes, replaces, inserts []op
	cost                       int

	pFirst, pNext []int32 // prev children, in document order
	xFirst, xNext []int32 // next children
	pIndex        map[string]int32
	pPos          []int32     // position of a prev fragment among its siblings
	corrupt       bool        // prev lists an id twice
	shared        *PatchCache // DiffPatched's: shares the updates' HTML between calls, or nil
	own           []Patch     // DiffPatched's patches when one of them or of its shells is Own (its updates' HTML is not shared), or nil
	ownShells     []Shell     // DiffPatched's shells then (a re-sent one may be Own)
	err           error       // a spliced fragment's markup could not be filled
}

// op is an update before its HTML is copied out of the page.
type op struct {
	action     string
	id, target string
	frag       int32 // the fragment whose outerHTML is sent, or -1
}

type mark struct{ removes, replaces, inserts, cost int }

func (d *differ) mark() mark {
	return mark{len(d.removes), len(d.replaces), len(d.inserts), d.cost}
}

func (d *differ) rollback(m mark) {
	d.removes, d.replaces, d.inserts, d.cost = d.removes[:m.removes], d.replaces[:m.replaces], d.inserts[:m.inserts], m.cost
}

func (d *differ) run() []Update {
	b := buffersOf(d.x)
	if pt := d.x.pt; pt != nil && pt.same {
		b.links = slices.Grow(b.links[:0], 4*len(d.prev.IDs))
		d.pFirst, d.pNext, d.xFirst, d.xNext = pt.lists(d.x, b.links[:4*len(d.prev.IDs)])
	} else {
		var links []int32
		var xp []uint32
		if b != nil {
			links, xp = b.links[:0], b.xp[:0]
		}
		links = slices.Grow(links, 2*(len(d.prev.Parents)+len(d.x.frags)))
		xp = slices.Grow(xp, len(d.x.frags))
		for i := range d.x.frags {
			xp = append(xp, uint32(d.x.frags[i].parent))
		}
		np := 2 * len(d.prev.Parents)
		d.pFirst, d.pNext = childLists(links[:np:np], d.prev.Parents)
		d.xFirst, d.xNext = childLists(links[np:cap(links)], xp)
		if b != nil {
			b.links, b.xp = links, xp
		}
	}
	if b != nil {
		d.removes, d.replaces, d.inserts = b.removes[:0], b.replaces[:0], b.inserts[:0]
		defer func() { b.removes, b.replaces, b.inserts = d.removes, d.replaces, d.inserts }()
	}
	d.node(0, 0)
	if d.corrupt || len(d.replaces) == 1 && d.replaces[0].frag == 0 && d.replaces[0].action == ActionReplace {
		u, err := d.x.body(d.page)
		d.err = err
		return []Update{u}
	}
	out := make([]Update, 0, len(d.removes)+len(d.replaces)+len(d.inserts))
	for _, list := range [][]op{d.removes, d.replaces, d.inserts} {
		for _, o := range list {
			u := Update{FragmentID: o.id, Action: o.action, TargetID: o.target}
			if o.frag >= 0 {
				if html, hash, ok := d.rootHTML(o); ok {
					u.HTML, u.HTMLHash = html, hash
				} else {
					m, err := d.x.html(d.page, o.action, o.frag)
					if err != nil {
						d.err = err
						return nil
					}
					if d.ownFrag(o.frag) {
						u.HTML = string(m)
						u.HTMLHash = HashHTML(u.HTML)
					} else {
						u.HTML, u.HTMLHash = d.shared.html(m)
					}
				}
			}
			out = append(out, u)
		}
	}
	return out
}

// ownFrag reports whether new fragment i lies in a patch marked Own, or
// is a shell marked Own, whose HTML is not worth sharing (see Patch and
// Shell).
func (d *differ) ownFrag(i int32) bool {
	if d.shared == nil || d.own == nil && d.ownShells == nil {
		return false
	}
	f := &d.x.frags[i]
	if f.shell > 0 {
		return d.ownShells[f.shell-1].Own
	}
	// The last patch starting at or before the fragment, in order.
	k := sort.Search(len(d.own), func(k int) bool { return d.own[k].Start > f.lead }) - 1
	return k >= 0 && d.own[k].Own && f.end <= d.own[k].End
}

// childLists returns first-child and next-sibling links for a parent list
// in document order (-1 = none), in buf (of at least 2*len(parents)).
func childLists(buf []int32, parents []uint32) (first, next []int32) {
	n := len(parents)
	buf = buf[:2*n]
	first, next = buf[:n], buf[n:]
	for i := range buf {
		buf[i] = -1
	}
	for i := n - 1; i >= 1; i-- {
		p := parents[i]
		next[i] = first[p]
		first[p] = int32(i)
	}
	return first, next
}

func (d *differ) size(n int32) int {
	f := &d.x.frags[n]
	return f.end - f.lead + int(f.omitted)
}

func (d *differ) replace(n int32) {
	id := d.x.frags[n].id
	d.replaces = append(d.replaces, op{action: ActionReplace, id: id, frag: n})
	d.cost += d.size(n) + len(id) + updateOverhead
}

func (d *differ) remove(p int32) {
	id := d.prev.IDs[p]
	d.removes = append(d.removes, op{action: ActionRemove, id: id, frag: -1})
	d.cost += len(id) + updateOverhead
}

func (d *differ) insert(action string, n int32, id, target string) {
	d.inserts = append(d.inserts, op{action: action, id: id, target: target, frag: n})
	d.cost += d.size(n) + len(id) + len(target) + updateOverhead
}

// node diffs prev fragment p against next fragment n, which have the same
// id and place. The cheaper of "updates for the children" and "replace n"
// wins; a changed fragment is updated by changed.
func (d *differ) node(p, n int32) {
	f := &d.x.frags[n]
	if f.from == p+1 && !f.noCache && f.shell == 0 {
		return // spliced: the very subtree of prev, byte for byte
	}
	if f.noCache || d.prev.Hashes[p] != f.hash || d.prev.Tags[p] != f.tag {
		d.changed(p, n)
		return
	}
	m := d.mark()
	if !d.children(p, n) || d.cost-m.cost > d.size(n)+len(f.id)+updateOverhead {
		d.rollback(m)
		d.replace(n)
	}
}

// children diffs the children of p and n, whose own markup is equal. It
// returns false when the changes cannot be expressed as list operations.
func (d *differ) children(p, n int32) bool {
	pc, nc := d.pFirst[p], d.xFirst[n]
	for pc >= 0 && nc >= 0 && d.prev.IDs[pc] == d.x.frags[nc].id && d.prev.Anchors[pc] == d.x.frags[nc].anchor {
		pc, nc = d.pNext[pc], d.xNext[nc]
	}
	if pc < 0 && nc < 0 {
		for pc, nc = d.pFirst[p], d.xFirst[n]; pc >= 0; pc, nc = d.pNext[pc], d.xNext[nc] {
			d.node(pc, nc)
		}
		return true
	}
	return d.keyed(p, n)
}
