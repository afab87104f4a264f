package plan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"unique"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/bufpool"
	"github.com/livefir/statetemplate/internal/cborpath"
	"github.com/livefir/statetemplate/session"
)

// ErrNoPlan means the page cannot be rendered through the plan: the
// template is not an entry, the data is nil, or a value the rewrite needs
// is missing. The caller renders it whole with the app's template.
var ErrNoPlan = errors.New("plan: page not rendered by the plan")

// errUnsupported is returned by the rewrite's functions for a value they
// cannot handle; Render turns it into ErrNoPlan.
var errUnsupported = errors.New("plan: unsupported value")

// Cache is the shared cache of rendered part HTML (cache.Fragments).
type Cache interface {
	Get(k cache.Key) (string, bool)
	Set(k cache.Key, html string)
}

// Input is what Render needs.
type Input struct {
	Template string
	Data     any
	Enc      []byte           // the canonical encoding of Data
	Prev     *fragments.State // the page the browser has; nil when unknown
	Memo     *Memo            // the memo of Prev, when there is one
	Cache    Cache            // optional
	// Patches, optional, shares the tokenized patches between renders
	// (fragments.PatchCache).
	Patches *fragments.PatchCache
	// Page, when not nil, receives the whole page: every part is rendered
	// (RenderPage). Otherwise only what changed is, and Page is not written.
	Page *bytes.Buffer
	// EncKept says that Enc is never modified once Render returns (it is
	// the session's snapshot of its data): the memo may keep it, to find
	// the items of the next render's encoding by comparing bytes rather
	// than walking them (layout.go).
	EncKept bool
	// Title is the title of the page Prev describes (the session's). A
	// render that does not render the page's head leaves it as it was
	// (Output.TitleKnown), so renders of two sessions share their result
	// only when their titles are equal too (transitions.go).
	Title string
	// Captured says that the caller found Data captured by its encoding
	// (session.Captured). Otherwise Render checks it: data that is not
	// captured shares nothing (no part cache, no shared transition) and
	// no part of its page is skipped for inputs of equal bytes.
	Captured bool
	// ReadOnly says that the caller only reads Output.Updates: the
	// updates of a transition another render made are returned as they
	// are, shared with that render's callers, instead of copied.
	ReadOnly bool

	uncaptured bool // Data checked and found not captured
}

// Output is the result of Render.
type Output struct {
	Updates []fragments.Update
	State   *fragments.State
	Memo    *Memo
	// Spliced counts the parts left out of the page: rendered before and
	// neither executed nor tokenized this time.
	Spliced int
	// Patched counts the parts that were tokenized, when the markup
	// around them was found unchanged and was not (see patched); 0 when
	// the page was tokenized whole.
	Patched int
	// Skipped reports that the page was not executed: its shell was
	// unchanged, and only the parts that changed were (see skip.go).
	Skipped bool
	// Written is how many bytes of markup the render executed: the page
	// less its spliced parts, or, when Skipped, the parts executed alone.
	Written int
	// Title is the page's title (session.PageTitle) when TitleKnown: the
	// page's head was rendered. Otherwise the title did not change.
	Title      string
	TitleKnown bool
	// Shared reports that the result is that of another render of the
	// same transition, from an equal State with the same data (see
	// transitions.go): nothing was rendered.
	Shared bool
}

// Render renders template in.Template for in.Data and returns the updates
// that turn the page in.Prev describes into it, its State and its Memo.
// With a Memo that describes in.Prev, parts whose inputs are unchanged are
// neither executed nor tokenized; the updates and State are those Diff
// gives for the whole page (see fragments.DiffSpliced).
func (p *Plan) Render(in Input) (Output, error) {
	in.Template = p.name(in.Template)
	if !p.entries[in.Template] || in.Data == nil {
		return Output{}, ErrNoPlan
	}
	typeName := session.TypeName(in.Data)
	memo := in.Memo
	if !memo.Describes(in.Prev) || memo.plan != p || memo.typeName != typeName || memo.template != in.Template {
		memo = nil
	}
	if !in.Captured {
		in.uncaptured = !session.Captured(reflect.ValueOf(in.Data))
	}
	ti, share := p.sharable(&in, memo)
	if share {
		if out, ok := p.transitions.get(ti, in.ReadOnly); ok {
			return out, nil
		}
	}
	out, err := p.render(in, memo, typeName)
	if errors.Is(err, fragments.ErrSplice) && memo != nil {
		// The page did not accept a splice (a part moved to another
		// context): render every part.
		// Without a memo, an unchanged page re-sends data-cache="false"
		// fragments: not a result to share.
		out, err = p.render(in, nil, typeName)
		share = false
	}
	if share && err == nil {
		p.transitions.put(ti, out)
	}
	return out, err
}

func (p *Plan) render(in Input, memo *Memo, typeName string) (Output, error) {
	buf := in.Page
	if buf == nil {
		buf = bufpool.Get()
		defer bufpool.Put(buf)
	}
	out, err := p.renderInto(buf, in, memo, typeName)
	out.Written = buf.Len()
	return out, err
}

// renderInto is render, executing into buf.
func (p *Plan) renderInto(buf *bytes.Buffer, in Input, memo *Memo, typeName string) (Output, error) {
	buf.Reset()
	r := p.newRun(&in, buf, memo, typeName)
	defer func() { r.release() }()
	page := r.pageFrame(in.Data)
	if !r.full {
		if out, ok, err := r.skipped(page); ok || err != nil {
			return out, err
		}
		// Start again, and execute the page.
		buf.Reset()
		r.release()
		r = p.newRun(&in, buf, memo, typeName)
		page = r.pageFrame(in.Data)
	}
	if err := p.tmpls[in.Template].Execute(buf, page); err != nil {
		if errors.Is(err, errUnsupported) {
			return Output{}, fmt.Errorf("%w: %v", ErrNoPlan, err)
		}
		return Output{}, err
	}
	r.nodes[0].next = int32(len(r.nodes))
	page.end = buf.Len()
	r.nodes[0].ident, r.nodes[0].shell = r.identOf(0, page.end, page.kids)
	// The page is byte for byte the one the browser has (see identOf):
	// no update. When its parts are the same too, the previous fragments
	// and Seen still hold and nothing needs tokenizing.
	same := in.Page == nil && memo != nil && r.pnodes[0].ident == r.nodes[0].ident
	if same && r.sameShape() {
		for i := range r.nodes {
			r.nodes[i].frag, r.nodes[i].seen = r.pnodes[i].frag, r.pnodes[i].seen
		}
		r.confirmReplays()
		m := newMemo(r.nodes, memo, r.pnodes)
		r.made = m
		m.plan, m.state, m.typeName, m.template, m.parts, m.heads = p, in.Prev, typeName, in.Template, memo.parts, memo.heads
		m.layout = r.newLayout(memo.layout)
		return Output{State: in.Prev, Memo: m, Spliced: len(r.splices)}, nil
	}
	// The head is never spliced (it holds no fragments): the title is
	// in the buffer.
	title := session.PageTitle(buf.Bytes())
	if memo != nil && in.Page == nil && !same {
		if out, ok, err := r.patched(page); ok || err != nil {
			out.Title, out.TitleKnown = title, true
			return out, err
		}
	}
	res, err := fragments.DiffSpliced(fragments.SpliceInput{
		Prev: in.Prev, Page: buf.Bytes(), Splices: r.splices, Bounds: r.bounds, Fill: r.fill, Learn: true,
	})
	if err != nil {
		return Output{}, err
	}
	if res.Unchanged && memo != nil {
		// The page the browser has, and its memo: nothing to keep anew.
		return Output{State: in.Prev, Memo: memo}, nil
	}
	if same {
		res.Updates = nil
	}
	return Output{Updates: res.Updates, State: res.State, Memo: r.memo(res, nil), Spliced: len(r.splices),
		Title: title, TitleKnown: true}, nil
}

// newRun returns a run of a render of page in into buf, with the previous
// memo memo (or nil).
func (p *Plan) newRun(in *Input, buf *bytes.Buffer, memo *Memo, typeName string) *run {
	r := getRun()
	// The run keeps a copy of in: a pooled run pointing at the caller's
	// Input would make every render's Input escape to the heap.
	r.input = *in
	r.p, r.in, r.buf, r.enc, r.typeName, r.prev = p, &r.input, buf, in.Enc, typeName, memo
	r.full = in.Page != nil || memo == nil
	if memo != nil {
		// The nodes are read and written flat, in scratch; the next
		// memo shares the chunks that did not change with this one.
		r.pnodes = p.flat.take(memo, r.pnodes[:0])
		r.nodes = slices.Grow(r.nodes[:0], memo.n+4)
	}
	return r
}

// run is one render of one page.
type run struct {
	p        *Plan
	in       *Input // &input, or the top run's (sub)
	input    Input
	buf      *bytes.Buffer
	enc      []byte
	typeName string
	full     bool   // render every part: nothing is spliced
	inline   bool   // a fill: render, nothing else
	prev     *Memo  // the usable memo, or nil
	pnodes   []node // its nodes, flat
	nodes    []node // the next memo's, flat
	splices  []fragments.Splice
	bounds   []fragments.Bound
	recs     []rec
	fills    []fillRef // by splice
	digest   xxhash.Digest
	// DiffPatched's input, when the page is patched (see patched).
	patches []fragments.Patch
	shells  []fragments.Shell
	shellOf []*frame
	copied  int // parts a skipping render took unchanged (see skip.go)
	resends []fragments.Resend
	refills []*frame // by resend: what renders its markup
	keyBuf  []byte
	maps    map[int][]cborpath.Entry
	// rootLocs are the top-level fields of the data, by read.fid - 1;
	// rootSame says which entries of the root map are byte for byte the
	// previous render's, and rootKeysSame that its keys are the previous
	// ones, in order (rootfields.go; empty without the previous layout).
	rootLocs     []loc
	rootSame     []bool
	rootKeysSame bool
	share        map[reflect.Type]bool
	rootType     reflect.Type
	root         *run                     // a sub-run's: the run of the render, which parses and memoizes for it
	hashes       map[[2]int]uint64        // rangeHash
	arrays       map[int][]cborpath.Range // elemsAt
	// unchanged are the lists relayoutList compared, by where their first
	// element starts (layout.go).
	unchanged map[int]unchangedList

	// Scratch, kept from render to render (see scratch.go).
	frames   slabs[frame]
	locs     slabs[loc]
	vals     slabs[reflect.Value]
	kids     slabs[kidIdent]
	local    []int32          // skipped: where each rec is among the patches'
	spans    slabs[[2]int]    // rows' frame.spans
	inputBuf []byte           // the input bytes of shared cache keys (frame.cacheIn)
	markBuf  []byte           // the markup of re-sent shells (markupOf)
	entryBuf []cborpath.Entry // the parsed maps of maps
	elemBuf  []cborpath.Range // the elements of native ranges
	sameBuf  []bool           // unchanged's lists
	released bool
	// verbatim are the ranges [start, end) of nodes copied inside parts
	// taken unchanged (copyPart), in order: confirmReplays passes over them.
	verbatim [][2]int32
	// made is the memo made of nodes, which release leaves in the plan's
	// flat slot with them (flat.go).
	made *Memo
}

// kidIdent is a part inside another: its output, [start, end) of the
// buffer (empty when spliced), its ident, and its frame when it was
// rendered (executed or taken from the cache).
type kidIdent struct {
	start, end int
	ident      uint64
	f          *frame
	prev       int32 // spliced: its root in the previous State
}

// identOf returns the ident and the shell of the output [start, end) of
// the buffer with the parts kids inside it. The shell is a hash of the
// output with each part cut out and marked: equal shells mean equal markup
// but for the parts. The ident hashes the shell and the parts' idents: a
// page's ident is thus the same whichever of its parts were spliced, and
// equal idents mean equal pages.
func (r *run) identOf(start, end int, kids []kidIdent) (ident, shell uint64) {
	sh := &r.digest
	sh.Reset()
	var n [9]byte
	seg := func(b []byte) {
		n[0] = 0
		binary.LittleEndian.PutUint64(n[1:], uint64(len(b)))
		sh.Write(n[:])
		sh.Write(b)
	}
	buf := r.buf.Bytes()
	last := start
	for _, k := range kids {
		seg(buf[last:k.start])
		n[0] = 1
		sh.Write(n[:1])
		last = k.end
	}
	seg(buf[last:end])
	shell = sh.Sum64()
	return r.identFrom(shell, kids), shell
}

// identFrom returns the ident of an output with shell shell and the parts
// kids inside it (see identOf).
func (r *run) identFrom(shell uint64, kids []kidIdent) uint64 {
	d := &r.digest
	d.Reset()
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], shell)
	d.Write(n[:])
	for _, k := range kids {
		binary.LittleEndian.PutUint64(n[:], k.ident)
		d.Write(n[:])
	}
	return d.Sum64()
}

// sameShape reports whether the new nodes are the previous ones, unit for
// unit.
func (r *run) sameShape() bool {
	prev := r.pnodes
	if len(prev) != len(r.nodes) {
		return false
	}
	for i := range prev {
		if prev[i].unit != r.nodes[i].unit || prev[i].next != r.nodes[i].next {
			return false
		}
	}
	return true
}

// frame returns a new frame of the render, from a slab.
func (r *run) frame() *frame { return &r.frames.take(1)[0] }

// locSlab returns an empty slice with room for n locs, from a slab.
func (r *run) locSlab(n int) []loc { return r.locs.take(n)[:0] }

// valSlab returns n zero values, from a slab.
func (r *run) valSlab(n int) []reflect.Value { return r.vals.take(n) }

// rec ties a splice or bound to its node, for the indices and Seen that
// DiffSpliced reports.
type rec struct {
	splice bool
	at     int32 // index in splices or bounds
	node   int32
	encl   int32 // the rec of the enclosing part, or -1 for the body
	// prev is the index of a bound's part in the previous State, or -1;
	// pnode its node in the previous memo (see patched).
	prev  int32
	pnode int32
	shell int32 // 1 + the shell it is, or 0
}

// fillRef says how to render a splice's markup: its part's frame, or the
// row of a native range it is part slot of.
type fillRef struct {
	f    *frame
	rg   *rangeRun
	row  int
	slot int
}

// frame is the scope of one rewritten template being executed: the page,
// a part, a row or a template call.
type frame struct {
	r    *run
	u    *unit // nil for the page and template calls
	vals []reflect.Value
	locs []loc
	// owner is where the units opened in this frame are recorded: the
	// frame itself for the page, parts and rows; the caller's for calls.
	owner  *frame
	parent *frame // the owner of the frame that opened this one
	up     *frame // the part enclosing this part
	skip   bool   // the body does not run: spliced or from the cache
	inline bool   // render the units inside without splicing them

	// Owners only.
	prev   int32 // its node in the previous memo, or -1
	cursor int32 // the next previous child to match
	node   int32 // its node in the new memo
	base   int32 // the previous index of the enclosing part's root (the body: 0), or -1
	encl   int32 // the rec of the enclosing part for the units inside, or -1
	// part is the enclosing part (itself for a part, and the page): what
	// a part's ident is made of is reported to it.
	part *frame
	kids []kidIdent // parts and the page: the parts directly inside
	// Parts and the page, once closed: the end of the output, its
	// ident and shell (see identOf).
	end          int
	ident, shell uint64
	// Parts and rows.
	rec     int32 // the part's rec
	start   int
	keyed   bool
	key     uint64
	cached  bool
	own     bool     // its shared-cache lookup was skipped (cacheUse): its markup is likely its session's own
	splices int      // splices placed inside
	spans   [][2]int // rows: the output of each part directly inside
	nested  bool     // rows: a range directly inside (no skeleton)
	cacheIn []byte   // the input bytes of a shared cache key
	// Re-sent unchanged parts (skip.go): their node in the new memo, and
	// their HTML when known (from the memo, or the shared cache).
	resentAt  int32
	html      string
	htmlKnown bool
}

func (r *run) pageFrame(data any) *frame {
	v := reflect.ValueOf(data)
	r.rootType = v.Type()
	whole := loc{kind: locEnc, start: 0, end: len(r.enc), typ: v.Type()}
	f := r.frame()
	*f = frame{r: r, vals: r.cloneVals([]reflect.Value{v, v}), locs: r.cloneLocs([]loc{whole, whole}), prev: -1, encl: -1}
	f.owner, f.part = f, f
	if r.prev != nil {
		f.prev, f.cursor = 0, 1
	}
	r.nodes = append(r.nodes, node{coldNode: coldNode{unit: -1, frag: 0}})
	sh := r.p.shells[r.in.Template]
	if r.prev != nil && r.pnodes[0].flags&nodeSkeyed != 0 && r.keptShell(sh, f.vals, f.locs, r.pnodes[0].skey) {
		r.nodes[0].skey = r.pnodes[0].skey
		r.nodes[0].flags |= nodeSkeyed
		return f
	}
	r.setShellKey(0, sh, f.vals, f.locs)
	return f
}

// newNode appends a node for unit u and returns its index.
func (r *run) newNode(u int, key uint64, keyed bool) int32 {
	n := node{hotNode{key: key}, coldNode{unit: int32(u), frag: -1}}
	if keyed {
		n.flags = nodeKeyed
	}
	r.nodes = append(r.nodes, n)
	return int32(len(r.nodes) - 1)
}

// match returns the previous node of the next unit u opened in o, or -1.
func (r *run) match(o *frame, u int) int32 {
	if r.prev == nil || o.prev < 0 {
		return -1
	}
	nodes := r.pnodes
	end := nodes[o.prev].next
	for j := o.cursor; j < end; j = nodes[j].next {
		if nodes[j].unit == int32(u) {
			o.cursor = nodes[j].next
			return j
		}
	}
	return -1
}

// enter opens part u, called in frame c with inputs vals, and decides
// whether it is spliced, taken from the cache or rendered.
func (r *run) enter(c *frame, u *unit, vals []reflect.Value) (*frame, error) {
	return r.enterKeyed(c, u, vals, nil, 0, false)
}

// enterKeyed is enter for a part whose input locs and key the caller
// computed already (the walk, see walkPart); with locs nil, it computes
// them.
func (r *run) enterKeyed(c *frame, u *unit, vals []reflect.Value, locs []loc, key uint64, keyed bool) (*frame, error) {
	o := c.owner
	f := r.frame()
	*f = frame{r: r, u: u, vals: vals, parent: o, prev: -1, base: -1, encl: -1, rec: -1, inline: c.inline}
	f.owner, f.part, f.up = f, f, c.part
	f.locs = locs
	if locs == nil {
		f.locs = r.deriveLocs(r.locSlab(len(vals)), c.locs, u.args, vals)
	}
	f.start = r.buf.Len()
	if r.inline {
		return f, nil
	}
	f.key, f.keyed = key, keyed
	if locs == nil {
		f.key, f.keyed = r.key(u, f.locs)
	}
	pi := r.match(o, u.id)
	f.node = r.newNode(u.id, f.key, f.keyed)
	if c == o {
		r.nodes[f.node].flags |= nodeDirect
	}
	var pn *node
	if pi >= 0 {
		pn = &r.pnodes[pi]
	}
	// A data-cache="false" root is rendered: every update re-sends it.
	if !r.full && !c.inline && pn != nil && f.keyed && pn.keyed() && pn.key == f.key && pn.spliceable() && !pn.seen.RootNoCache() && o.base >= 0 {
		r.splice(o, f, pi, o.base+pn.frag, fillRef{f: f})
		return f, nil
	}
	r.bounds = append(r.bounds, fragments.Bound{Start: f.start})
	f.rec = r.addRec(false, len(r.bounds)-1, f.node, o.encl)
	f.encl = f.rec
	if !u.leaf {
		r.setShellKey(f.node, &u.shell, vals, f.locs)
	}
	if pn != nil {
		f.prev, f.cursor = pi, pi+1
		if pn.frag >= 0 && o.base >= 0 && pn.seen.Valid() {
			f.base = o.base + pn.frag
		}
		r.recs[f.rec].prev, r.recs[f.rec].pnode = f.base, pi
		f.inline = f.inline || pn.seen.RootNoCache()
	}
	if (u.leaf || f.inline) && f.keyed && r.in.Cache != nil {
		if f.own = !u.use.try(); f.own {
			return f, nil
		}
		if html, ok := r.cached(u, f); ok {
			r.buf.WriteString(html)
			f.skip, f.cached = true, true
			return f, f.close() // its template does not run
		}
	}
	return f, nil
}

// splice leaves part f out of the page: its markup and its nodes are
// those of previous node pi, whose root was fragment prevAbs.
func (r *run) splice(o, f *frame, pi int32, prevAbs int32, ref fillRef) {
	pn := r.pnodes[pi]
	pos := r.buf.Len()
	if f.up != nil {
		r.addKid(f.up, kidIdent{start: pos, end: pos, ident: pn.ident, prev: prevAbs})
	}
	if o.u != nil && o.u.kind == kindRange {
		r.addSpan(o, [2]int{pos, pos}) // a slot of the row's skeleton
	}
	r.splices = append(r.splices, fragments.Splice{Pos: pos, Prev: prevAbs, Seen: pn.seen})
	r.fills = append(r.fills, ref)
	r.copySubtree(f.node, pi)
	k := r.addRec(true, len(r.splices)-1, f.node, o.encl)
	r.recs[k].prev, r.recs[k].pnode = prevAbs, pi
	f.skip = true
	for p := o; p != nil; p = p.parent {
		p.splices++
	}
}

// copySubtree makes node at (just appended) a copy of previous node pi
// and its subtree.
func (r *run) copySubtree(at, pi int32) {
	prev := r.pnodes
	shift := at - pi
	r.nodes[at] = prev[pi]
	from := len(r.nodes)
	r.nodes = append(r.nodes, prev[pi+1:prev[pi].next]...) // one copy
	if shift != 0 {
		for j := from; j < len(r.nodes); j++ {
			r.nodes[j].next += shift
		}
	}
	r.nodes[at].next = int32(len(r.nodes))
}

func (r *run) addRec(splice bool, at int, node, encl int32) int32 {
	r.recs = append(r.recs, rec{splice: splice, at: int32(at), node: node, encl: encl, prev: -1, pnode: -1})
	return int32(len(r.recs) - 1)
}

// close ends a part or row frame, at its {{_st_end}}.
func (f *frame) close() error {
	r := f.r
	if f.u == nil {
		return nil
	}
	end := r.buf.Len()
	if f.parent != nil && f.parent.u != nil && f.parent.u.kind == kindRange && f.u.kind == kindPart {
		start := end
		if !f.skip || f.cached {
			start = f.start
		}
		r.addSpan(f.parent, [2]int{start, end})
	}
	if r.inline {
		return nil
	}
	if f.u.kind == kindRange {
		r.closeRow(f, end)
		return nil
	}
	if f.skip && !f.cached {
		return nil // spliced: its nodes were copied
	}
	r.bounds[r.recs[f.rec].at].End = end
	r.nodes[f.node].next = int32(len(r.nodes))
	f.end = end
	f.ident, f.shell = r.identOf(f.start, end, f.kids)
	r.nodes[f.node].ident, r.nodes[f.node].shell = f.ident, f.shell
	if f.up != nil {
		r.addKid(f.up, kidIdent{start: f.start, end: end, ident: f.ident, f: f})
	}
	if !f.cached && (f.u.leaf || f.inline) && f.keyed && f.splices == 0 && r.in.Cache != nil && f.cacheIn != nil {
		r.in.Cache.Set(r.cacheKey(f.u, f.key, f.cacheIn), string(r.buf.Bytes()[f.start:end]))
	}
	return nil
}

// cached looks part f up in the shared cache, keeping its input bytes for
// the Set of close on a miss.
func (r *run) cached(u *unit, f *frame) (string, bool) {
	at := len(r.inputBuf)
	all, ok := r.inputBytes(r.inputBuf, u, f.locs)
	if !ok {
		return "", false
	}
	// The inputs of earlier parts, below the buffer's length, are never
	// written again.
	r.inputBuf = all
	in := all[at:len(all):len(all)]
	f.cacheIn = in
	_, html, hit := r.lookup(u, f.key, in)
	u.use.note(hit)
	return html, hit
}

// lookup returns the shared cache's key of part u read from the input
// bytes in, whose part key is digest, and its HTML when the plan
// remembers it (cacheKeys.found) or the shared cache holds it.
func (r *run) lookup(u *unit, digest uint64, in []byte) (cache.Key, string, bool) {
	k, html, ok := r.p.cacheKeys.lookup(r.p, u, digest, in)
	if ok {
		rememberedHTML.Add(1)
		return k, html, true
	}
	if html, ok = r.in.Cache.Get(k); ok {
		r.p.cacheKeys.found(u, digest, in, k, html)
	}
	return k, html, ok
}

// cacheKey keys rendered HTML by the plan's identity, the unit and the
// exact bytes it reads, in; digest is the unit's key, a hash of them.
func (r *run) cacheKey(u *unit, digest uint64, in []byte) cache.Key {
	return r.p.cacheKeys.key(r.p, u, digest, in)
}

// iterate renders the rows of range u natively. It reports false, leaving
// the range to text/template, when the collection is empty (its else
// branch renders) or of a kind it does not iterate.
func (r *run) iterate(c *frame, u *unit, coll reflect.Value, vals []reflect.Value) (bool, error) {
	v, keys, ok := rangeOf(u, coll)
	if !ok {
		return false, nil
	}
	o := c.owner
	g := &rangeRun{u: u, v: v, keys: keys, vals: vals, owner: o, part: c.part, base: o.base, encl: o.encl, inline: c.inline, prev: -1}
	if !r.inline {
		g.prev = r.match(o, u.id)
		g.node = r.newNode(u.id, 0, false)
		r.nodes[g.node].flags |= nodeRange
		if c == o {
			r.nodes[g.node].flags |= nodeDirect
		}
		if o.u != nil && o.u.kind == kindRange {
			o.nested = true
		}
	}
	r.prepare(g, c.locs, coll)
	rv, rl := r.valSlab(u.nin()), r.locSlab(u.nin())[:u.nin()]
	var ids []rowID
	if !r.inline {
		ids = r.matchRows(g, rv, rl)
	}
	for i := range v.Len() {
		g.at(i, rv, rl)
		id := rowID{prev: -1}
		if ids != nil {
			id = ids[i]
		}
		if err := r.renderRow(g, rv, rl, id, i); err != nil {
			return true, err
		}
	}
	if !r.inline {
		r.nodes[g.node].next = int32(len(r.nodes))
		g.keepRows(&r.nodes[g.node])
	}
	return true, nil
}

// rangeOf returns collection coll of range u as iterate iterates it, with
// a map's keys sorted as text/template sorts them, and false when iterate
// leaves it to text/template: a range that is not native, an empty
// collection (its else branch renders), a kind it does not iterate.
func rangeOf(u *unit, coll reflect.Value) (reflect.Value, []reflect.Value, bool) {
	if !u.native {
		return reflect.Value{}, nil, false
	}
	v := indirectValue(coll)
	var keys []reflect.Value
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return v, nil, false
		}
	case reflect.Map:
		if v.Len() == 0 || v.Type().Key().Kind() != reflect.String {
			return v, nil, false
		}
		keys = v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	default:
		return v, nil, false
	}
	return v, keys, true
}

// prepare finds where the elements of g's collection coll, and the
// inputs its rows share, are, from the locs of the caller.
func (r *run) prepare(g *rangeRun, caller []loc, coll reflect.Value) {
	cv := r.valSlab(1)
	cv[0] = coll
	g.coll = r.deriveLocs(r.locSlab(1), caller, g.u.args[:1], cv)[0]
	g.elems, g.elemType = r.elemRanges(g.coll, g.v, g.keys)
	g.outer = r.deriveLocs(r.locSlab(len(g.vals)), caller, g.u.args[1:], g.vals)
}

// rangeRun is one native iteration of a range.
type rangeRun struct {
	u     *unit
	v     reflect.Value   // the collection
	keys  []reflect.Value // a map's keys, sorted as text/template sorts them
	vals  []reflect.Value // the inputs the rows share: the root, free variables
	outer []loc
	coll  loc // where the collection is
	// elems are where the elements are in the encoding (of type
	// elemType), or nil.
	elems    []cborpath.Range
	elemType reflect.Type
	owner    *frame
	part     *frame // the enclosing part
	base     int32
	encl     int32
	inline   bool
	prev     int32 // the range's previous node, or -1
	node     int32
	// prefix is the digest of the reads its rows share (see rowKey).
	prefix     xxhash.Digest
	prefixDone bool
	prefixOK   bool
	readsElem  bool
	readsIndex int // the index input the rows read, or -1
}

// at fills vals and locs with the inputs of row i: its element as dot,
// the shared inputs, and the range's declared variables.
func (g *rangeRun) at(i int, vals []reflect.Value, locs []loc) {
	var elem, index reflect.Value
	if g.keys != nil {
		index, elem = g.keys[i], g.v.MapIndex(g.keys[i])
	} else {
		index, elem = reflect.ValueOf(i), g.v.Index(i)
	}
	el := loc{kind: locDetached, val: elem}
	if g.elems != nil {
		el = loc{kind: locEnc, start: g.elems[i].Start, end: g.elems[i].End, typ: g.elemType, root: g.coll.root}
	}
	vals[0], locs[0] = elem, el
	copy(vals[1:], g.vals)
	copy(locs[1:], g.outer)
	k := 1 + len(g.vals)
	switch len(g.u.rvars) {
	case 1:
		vals[k], locs[k] = elem, el
	case 2:
		vals[k], locs[k] = index, loc{kind: locDetached, val: index}
		vals[k+1], locs[k+1] = elem, el
	}
}

// elemRanges returns where each element of collection v is in the
// encoding, and their type, or nil when they are not there one by one.
func (r *run) elemRanges(coll loc, v reflect.Value, keys []reflect.Value) ([]cborpath.Range, reflect.Type) {
	if coll.kind != locEnc || coll.typ == nil {
		return nil, nil
	}
	t := coll.typ
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	rg := cborpath.Range{Start: coll.start, End: coll.end}
	switch {
	case keys == nil && cborpath.IsArray(r.enc, rg) && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		elems, err := r.elemsAt(rg)
		if err != nil || len(elems) != v.Len() {
			return nil, nil
		}
		return elems, t.Elem()
	case keys != nil && t.Kind() == reflect.Map && t.Key() == stringType && cborpath.IsMap(r.enc, rg):
		entries, err := r.entries(coll)
		if err != nil || len(entries) != len(keys) {
			return nil, nil
		}
		out := make([]cborpath.Range, 0, len(keys))
		for _, k := range keys {
			r.keyBuf = cborpath.TextKey(r.keyBuf[:0], k.String())
			e, ok := cborpath.Find(r.enc, entries, r.keyBuf)
			if !ok {
				return nil, nil
			}
			out = append(out, e)
		}
		return out, t.Elem()
	}
	return nil, nil
}

// elemsAt returns where the elements of the array rg of the encoding are,
// parsed once per render: the ranges of a page often iterate the same
// list (a table and a summary of it).
func (r *run) elemsAt(rg cborpath.Range) ([]cborpath.Range, error) {
	t := r.top()
	if e, ok := t.arrays[rg.Start]; ok {
		return e, nil
	}
	// Appended to the render's buffer: the elements of earlier arrays,
	// below its length, are never written again.
	at := len(t.elemBuf)
	all, err := cborpath.Elems(r.enc, rg, t.elemBuf)
	if err != nil {
		return nil, err
	}
	t.elemBuf = all
	e := all[at:len(all):len(all)]
	if t.arrays == nil {
		t.arrays = map[int][]cborpath.Range{}
	}
	t.arrays[rg.Start] = e
	return e, nil
}

// rowMatch finds the previous rows of a range.
type rowMatch struct {
	rows   []int32 // previous row nodes, in order
	used   []bool
	byKey  map[uint64][]int
	misses int
}

func (r *run) prevRows(prev int32) *rowMatch {
	m := &rowMatch{}
	if prev < 0 {
		return m
	}
	kids(r.pnodes, prev, func(j int32) bool {
		m.rows = append(m.rows, j)
		return true
	})
	m.used = make([]bool, len(m.rows))
	return m
}

// findRow returns the previous row for row i with key, or -1: the one at
// the same place when its key is equal, else the first unused one with it.
func (r *run) findRow(m *rowMatch, i int, key uint64, keyed bool) int32 {
	if !keyed || len(m.rows) == 0 {
		return -1
	}
	nodes := r.pnodes
	// The same place, or near it: a row inserted or removed before shifts
	// the others by one.
	for _, k := range [...]int{i, i + 1, i - 1, i + 2, i - 2} {
		if k >= 0 && k < len(m.rows) && !m.used[k] && nodes[m.rows[k]].keyed() && nodes[m.rows[k]].key == key {
			m.used[k] = true
			return m.rows[k]
		}
	}
	if m.misses++; m.misses < 3 {
		return -1 // a changed row: not worth an index of all
	}
	if m.byKey == nil {
		m.byKey = make(map[uint64][]int, len(m.rows))
		for k, j := range m.rows {
			if nodes[j].keyed() {
				m.byKey[nodes[j].key] = append(m.byKey[nodes[j].key], k)
			}
		}
	}
	for _, k := range m.byKey[key] {
		if !m.used[k] {
			m.used[k] = true
			return m.rows[k]
		}
	}
	return -1
}

// rowID is a row's key and its previous row, or -1.
type rowID struct {
	key   uint64
	keyed bool
	prev  int32
}

// matchRows keys the rows of g and finds their previous rows: the one
// with the same key, near the same place or anywhere; then, for a row
// without one, the previous row at its place if no row took it (a changed
// row: its parts are where that row's were).
func (r *run) matchRows(g *rangeRun, rv []reflect.Value, rl []loc) []rowID {
	n := g.v.Len()
	ids := make([]rowID, n)
	for i := range n {
		g.at(i, rv, rl)
		ids[i].key, ids[i].keyed = r.rowKey(g, rl)
	}
	rows := r.prevRows(g.prev)
	for i := range ids {
		ids[i].prev = r.findRow(rows, i, ids[i].key, ids[i].keyed)
	}
	for i := range ids {
		if ids[i].prev < 0 && i < len(rows.rows) && !rows.used[i] {
			rows.used[i] = true
			ids[i].prev = rows.rows[i]
		}
	}
	return ids
}

// renderRow renders row i of range g, whose inputs are vals at locs and
// whose key and previous row are id: written from its skeleton when it
// read what its previous row read, else executed.
func (r *run) renderRow(g *rangeRun, vals []reflect.Value, locs []loc, id rowID, i int) error {
	u := g.u
	key, keyed := id.key, id.keyed
	pi, node := int32(-1), int32(-1)
	if !r.inline {
		pi = id.prev
		node = r.newNode(u.id, key, keyed)
		if pi >= 0 && !r.full && !g.inline && keyed && r.pnodes[pi].keyed() && r.pnodes[pi].key == key &&
			r.pnodes[pi].flags&nodeReplay != 0 && g.base >= 0 {
			r.replay(g, i, node, pi)
			return nil
		}
	}
	f := r.frame()
	*f = frame{r: r, u: u, vals: r.cloneVals(vals), locs: r.cloneLocs(locs), parent: g.owner, part: g.part, prev: pi, base: g.base,
		encl: g.encl, rec: -1, inline: g.inline, key: key, keyed: keyed, node: node}
	f.owner = f
	f.cursor = pi + 1
	f.start = r.buf.Len()
	if node >= 0 {
		r.setShellKey(node, &u.shell, f.vals, f.locs)
	}
	return r.p.rows[u.id].Execute(r.buf, f)
}

// replay writes row i of g from the skeleton of previous row pi, splicing
// its parts.
func (r *run) replay(g *rangeRun, i int, node, pi int32) {
	prev := r.pnodes
	sk := prev[pi].skel.Value()
	r.nodes[node].skel = prev[pi].skel
	r.nodes[node].flags |= nodeReplay | prev[pi].flags&nodeSkeyed
	r.nodes[node].skey = prev[pi].skey
	row := r.frame()
	*row = frame{r: r, u: g.u, encl: g.encl, base: g.base}
	last, k := 0, 0
	kids(prev, pi, func(j int32) bool {
		at := sk.slot(k)
		r.buf.WriteString(sk.text[last:at])
		last = at
		kf := r.frame()
		*kf = frame{r: r, node: r.newNode(int(prev[j].unit), prev[j].key, true), up: g.part}
		r.splice(row, kf, j, g.base+prev[j].frag, fillRef{rg: g, row: i, slot: k})
		k++
		return true
	})
	r.buf.WriteString(sk.text[last:])
	r.nodes[node].next = int32(len(r.nodes))
	for p := g.owner; p != nil; p = p.parent {
		p.splices += row.splices
	}
}

// closeRow ends an executed row: its skeleton, when its output is text
// and parts only, lets the next render write it without executing it.
func (r *run) closeRow(f *frame, end int) {
	r.nodes[f.node].next = int32(len(r.nodes))
	if f.nested || !f.keyed {
		return
	}
	var text []byte
	var slots []byte
	last := f.start
	for _, s := range f.spans {
		text = append(text, r.buf.Bytes()[last:s[0]]...)
		slots = binary.LittleEndian.AppendUint32(slots, uint32(len(text)))
		last = s[1]
	}
	text = append(text, r.buf.Bytes()[last:end]...)
	if len(text) > maxSkeleton {
		return
	}
	r.nodes[f.node].skel = unique.Make(skeleton{text: string(text), slots: string(slots)})
	r.nodes[f.node].flags |= nodeReplay // confirmed once its parts are known spliceable (memo)
}

// maxSkeleton bounds what a row keeps: beyond it, the row's own markup is
// content, not layout, and the row is executed again when it is rendered.
const maxSkeleton = 256

// row opens a row iterated by text/template (a collection iterate does not
// handle): executed, never replayed.
func (r *run) row(c *frame, u *unit, vals []reflect.Value, _ int) (*frame, error) {
	o := c.owner
	f := &frame{r: r, u: u, vals: vals, parent: o, part: c.part, prev: -1, base: o.base, encl: o.encl, rec: -1, inline: c.inline, nested: true}
	f.owner = f
	locs := r.deriveLocs(nil, c.locs, nil, vals[:1])
	f.locs = append(locs, r.deriveLocs(nil, c.locs, u.args[1:], vals[1:])...)
	if !r.inline {
		f.key, f.keyed = r.key(u, f.locs)
		f.node = r.newNode(u.id, f.key, f.keyed)
		if pi := r.match(o, u.id); pi >= 0 {
			f.prev, f.cursor = pi, pi+1
		}
	}
	f.start = r.buf.Len()
	return f, nil
}

// call opens the frame of a rewritten template called at site id.
func (r *run) call(c *frame, id int, vals []reflect.Value) (*frame, error) {
	if len(vals) != 1 {
		return nil, fmt.Errorf("%w: template call with %d values", errUnsupported, len(vals))
	}
	s := r.p.sites[id]
	f := r.frame()
	*f = frame{r: r, vals: []reflect.Value{vals[0], vals[0]}, owner: c.owner, parent: c.owner, part: c.part, inline: c.inline}
	f.locs = r.deriveLocs(r.locSlab(2), c.locs, s.args, f.vals)
	return f, nil
}

func indirectValue(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// fill renders the markup of splice i, for an update that carries it.
func (r *run) fill(i int) ([]byte, error) {
	ref := r.fills[i]
	if ref.rg != nil {
		sub := r.sub()
		defer sub.release()
		// A part of a replayed row: render the row, cut the part out.
		g := ref.rg
		f := sub.frame()
		*f = frame{r: sub, u: g.u, vals: sub.valSlab(g.u.nin()), locs: sub.locSlab(g.u.nin())[:g.u.nin()], prev: -1, encl: -1, rec: -1}
		f.owner = f
		g.at(ref.row, f.vals, f.locs)
		if err := r.p.rows[g.u.id].Execute(sub.buf, f); err != nil {
			return nil, err
		}
		if ref.slot >= len(f.spans) {
			return nil, fmt.Errorf("plan: row %s has %d parts, not %d", g.u.name, len(f.spans), ref.slot+1)
		}
		s := f.spans[ref.slot]
		return sub.buf.Bytes()[s[0]:s[1]], nil
	}
	return r.wholePart(ref.f)
}

// sub returns a run that renders whole, into a buffer of its own, for
// the markup of a part that was not rendered into the page. It parses
// and memoizes through the run of the render (top); the caller releases
// it, and the buffer stays its own.
func (r *run) sub() *run {
	s := getRun()
	s.p, s.in, s.buf, s.enc, s.typeName, s.full, s.inline = r.p, r.in, &bytes.Buffer{}, r.enc, r.typeName, true, true
	s.root, s.rootType = r.top(), r.rootType
	return s
}

// top returns the run of the render: r, or the run a sub-run renders for.
func (r *run) top() *run {
	if r.root != nil {
		return r.root
	}
	return r
}

// wholePart renders part frame src whole, nothing spliced, for its markup.
func (r *run) wholePart(src *frame) ([]byte, error) {
	if src.htmlKnown {
		// fragments only reads it (PatchInput): the string's bytes.
		return unsafe.Slice(unsafe.StringData(src.html), len(src.html)), nil
	}
	var key cache.Key
	useCache := r.in.Cache != nil && src.keyed
	if useCache {
		at := len(r.inputBuf)
		all, ok := r.inputBytes(r.inputBuf, src.u, src.locs)
		if useCache = ok; ok {
			// The inputs of earlier parts, below the buffer's length,
			// are never written again (cached).
			r.inputBuf = all
			var html string
			var hit bool
			if key, html, hit = r.lookup(src.u, src.key, all[at:]); hit {
				src.html, src.htmlKnown = html, true // shared: the memo may keep it (resentHTML)
				// fragments only reads it (PatchInput): the cached
				// string's bytes, not a copy.
				return unsafe.Slice(unsafe.StringData(html), len(html)), nil
			}
		}
	}
	sub := r.sub()
	defer sub.release()
	f := sub.frame()
	*f = frame{r: sub, u: src.u, vals: src.vals, locs: src.locs, prev: -1, encl: -1, rec: -1}
	f.owner = f
	if err := sub.execPart(f); err != nil {
		return nil, err
	}
	if useCache {
		r.in.Cache.Set(key, sub.buf.String())
	}
	return sub.buf.Bytes(), nil
}

// memo completes the nodes with what DiffSpliced or DiffPatched found:
// where each part's root is, and what it learned about the parts it
// tokenized. local is nil for DiffSpliced; for DiffPatched, it is the
// index of each rec among the splices or bounds inside the patches, or -1
// for one outside them, which is where it was.
func (r *run) memo(res *fragments.SpliceResult, local []int32) *Memo {
	abs := make([]int32, len(r.recs))
	for i, rc := range r.recs {
		at := rc.at
		if local != nil {
			at = local[i]
		}
		n := &r.nodes[rc.node]
		a := int32(-1)
		switch {
		case at < 0:
			a = res.Index[rc.prev]
			switch {
			case rc.splice:
			case rc.shell > 0:
				n.seen = res.Shells[rc.shell-1]
			default:
				n.seen = r.pnodes[rc.pnode].seen // its output is unchanged
			}
		case rc.splice && res.Spliced != nil:
			a = res.Spliced[at]
		case !rc.splice && res.Bounded != nil:
			a = res.Bounded[at]
		}
		if at >= 0 && !rc.splice {
			n.seen = fragments.Seen{}
			if res.Seen != nil {
				n.seen = res.Seen[at]
			}
		}
		abs[i] = a
		base := int32(0)
		if rc.encl >= 0 {
			base = abs[rc.encl]
		}
		n.frag = -1
		if a >= 0 && base >= 0 {
			n.frag = a - base
		}
	}
	r.nodes[0].seen = res.Body
	if local != nil {
		r.nodes[0].seen = res.Shells[0]
	}
	r.confirmReplays()
	heads := res.HeadIDs
	if local != nil {
		heads = r.prev.heads
	}
	var pflat []node
	if r.prev != nil {
		pflat = r.pnodes
	}
	m := newMemo(r.nodes, r.prev, pflat)
	r.made = m
	m.plan, m.state, m.typeName, m.template, m.parts, m.heads = r.p, res.State, r.typeName, r.in.Template, len(r.recs), heads
	var old *layout
	if r.prev != nil {
		old = r.prev.layout
	}
	m.layout = r.newLayout(old)
	m.resent = r.resentHTML()
	return m
}

// confirmReplays keeps a row replayable only when every part in it can be
// spliced, and its skeleton has a slot for each.
//
// The nodes inside a part copied unchanged (copyPart: r.verbatim) are the
// previous memo's, which this confirmed when it was made, and nothing
// changes them after the copy (memo sets the fragment of the part's own
// node alone): they are passed over.
func (r *run) confirmReplays() {
	v := r.verbatim
	for i := 0; i < len(r.nodes); i++ {
		if len(v) > 0 && int32(i) == v[0][0] {
			if flatChecks.Load() {
				for j := v[0][0]; j < v[0][1]; j++ {
					if n := &r.nodes[j]; n.flags&nodeReplay != 0 {
						verbatimReplays.Add(1)
						if !r.replayable(n, j) {
							flatWrong.Add(1)
						}
					}
				}
			}
			i, v = int(v[0][1])-1, v[1:]
			continue
		}
		n := &r.nodes[i]
		if n.flags&nodeReplay != 0 && !r.replayable(n, int32(i)) {
			n.flags &^= nodeReplay
		}
	}
}

// verbatimReplays counts, with the checks of flat.go on, the replayable
// rows confirmReplays passed over, for the tests.
var verbatimReplays atomic.Int64

// replayable reports whether row node n, at i, can be replayed: every part
// in it can be spliced, and its skeleton has a slot for each.
func (r *run) replayable(n *node, i int32) bool {
	count, ok := 0, true
	kids(r.nodes, i, func(j int32) bool {
		k := &r.nodes[j]
		ok = ok && r.p.units[k.unit].kind == kindPart && k.spliceable() && !k.seen.RootNoCache()
		count++
		return ok
	})
	return ok && count == n.skel.Value().nslots()
}
