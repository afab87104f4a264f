package plan

import (
	"cmp"
	"errors"
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/livefir/statetemplate/fragments"
)

// A render that skips shells walks the previous memo instead of executing
// the page. A shell whose shell key is unchanged (see shell.go) renders the
// markup it rendered before and calls the same units, whose inputs the
// walk computes from the data: a part whose key is unchanged is left as it
// was; a part whose shell is unchanged is walked in turn; any other part is
// executed alone, and is a patch of fragments.DiffPatched. A range is
// walked row by row: a row whose key is unchanged is left as it was, one
// whose shell is unchanged is walked. Where the walk cannot go on (a row
// whose shell changed, an input it cannot compute, a part it cannot place
// in the previous State), the part around is executed instead, and when
// that is the page, the render starts again and executes it.

// skipped renders the page in skip mode. It reports false when the page's
// shell changed or the walk could not place it: the caller then renders
// the page with a new run.
func (r *run) skipped(page *frame) (Output, bool, error) {
	prev := r.prev
	pn := &r.pnodes[0]
	n0 := &r.nodes[0]
	if n0.flags&nodeSkeyed == 0 || pn.flags&nodeSkeyed == 0 || n0.skey != pn.skey || !pn.seen.Valid() || pn.seen.ShellNoCache() {
		return Output{}, false, nil
	}
	r.shells = append(r.shells[:0], fragments.Shell{Prev: 0, Seen: pn.seen})
	r.shellOf = append(r.shellOf[:0], page)
	if ok, err := r.walk(page); !ok || err != nil {
		return Output{}, false, err
	}
	n0 = &r.nodes[0]
	n0.next, n0.shell = int32(len(r.nodes)), pn.shell
	n0.ident = r.identFrom(pn.shell, page.kids)
	if n0.ident == pn.ident {
		// The page the browser has: the previous State and memo hold.
		return Output{State: r.in.Prev, Memo: prev, Spliced: r.copied, Skipped: true}, true, nil
	}
	if len(r.patches) == 0 && len(r.resends) == 0 {
		return Output{}, false, nil
	}
	in := fragments.PatchInput{
		Prev: r.in.Prev, Page: r.buf.Bytes(), Patches: r.patches, Shells: r.shells,
		Splices: r.splices, Bounds: r.bounds, HeadIDs: prev.heads, Fill: r.fill,
		Markup:  func(i int) ([]byte, error) { return r.wholePart(r.shellOf[i]) },
		Resends: r.resends, Refill: func(i int) ([]byte, error) { return r.wholePart(r.refills[i]) },
		Cache: r.in.Patches,
	}
	local, ok := r.resentInput(&in) // resent.go
	if !ok {
		return Output{}, false, nil
	}
	res, err := fragments.DiffPatched(in)
	if errors.Is(err, fragments.ErrSplice) {
		return Output{}, false, nil
	}
	if err != nil {
		return Output{}, false, err
	}
	if local == nil {
		local = slices.Grow(r.local[:0], len(r.recs))[:len(r.recs)]
		r.local = local
		for i, rc := range r.recs {
			local[i] = rc.at // all that was executed is inside the patches
		}
	}
	return Output{Updates: res.Updates, State: res.State, Memo: r.memo(res, local),
		Spliced: r.copied, Patched: len(r.patches), Skipped: true}, true, nil
}

// walk walks the units directly inside shell o, whose previous node is
// o.prev. It reports false when one cannot be walked.
func (r *run) walk(o *frame) (bool, error) {
	prev := r.pnodes
	for j := o.prev + 1; j < prev[o.prev].next; j = prev[j].next {
		pn := &prev[j]
		if pn.flags&nodeDirect == 0 {
			return false, nil // called in a template the shell calls
		}
		o.cursor = j
		u := r.p.units[pn.unit]
		var ok bool
		var err error
		switch {
		case u.kind == kindPart:
			ok, err = r.walkPart(o, j)
		case pn.flags&nodeRange != 0:
			ok, err = r.walkRange(o, j)
		}
		if !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

// walkPart walks part node j of the previous memo, inside shell o.
func (r *run) walkPart(o *frame, j int32) (bool, error) {
	prev := r.pnodes
	pn := &prev[j]
	u := r.p.units[pn.unit]
	if pn.frag < 0 || o.base < 0 || !pn.seen.Valid() {
		return false, nil
	}
	abs := o.base + pn.frag
	if int(abs) >= len(r.in.Prev.Parents) || r.in.Prev.Parents[abs] != uint32(o.base) {
		return false, nil // below a fragment that is not a part: a shell of unknown size
	}
	vals, ok := nativeInputs(r.valSlab(len(u.args)), u.args, o.vals)
	if !ok {
		return false, nil
	}
	locs := r.deriveLocs(r.locSlab(len(vals)), o.locs, u.args, vals)
	key, keyed, kept := r.walkKey(u, locs, pn)
	if keyed && pn.keyed() && pn.key == key && !pn.seen.NoCache() {
		r.copyPart(o, j, abs)
		return true, nil
	}
	if keyed && pn.keyed() && pn.key == key && pn.seen.RootNoCache() && pn.seen.Spliceable() {
		// Unchanged but re-sent: its markup, from the shared cache when
		// it is there, replaces it; its fragments are the previous ones.
		f := r.frame()
		*f = frame{r: r, u: u, vals: vals, locs: locs, keyed: true, key: key, resentAt: int32(len(r.nodes))}
		if kept {
			// It reads the bytes it read before (rootfields.go): it
			// renders the HTML it rendered then, if the memo kept it.
			f.html, f.htmlKnown = r.prev.resentHTML(j)
			if f.htmlKnown {
				keptHTML.Add(1)
			}
		}
		r.resends = append(r.resends, fragments.Resend{Prev: abs, Seen: pn.seen})
		r.refills = append(r.refills, f)
		r.copyPart(o, j, abs)
		return true, nil
	}
	if !u.leaf && pn.flags&nodeSkeyed != 0 && !pn.seen.ShellNoCache() && !pn.seen.RootNoCache() {
		if r.keptShell(&u.shell, vals, locs, pn.skey) || r.sameShellKey(&u.shell, vals, locs, pn.skey) {
			m := r.mark(o)
			ok, err := r.shellPart(o, j, abs, vals, locs, key, keyed)
			if ok || err != nil {
				return ok, err
			}
			r.rollback(o, m)
		}
	}
	// Changed: executed, a patch.
	o.cursor = j
	f, err := r.enterKeyed(o, u, vals, locs, key, keyed)
	if err != nil {
		return false, err
	}
	if f.node < 0 || r.nodes[f.node].flags&nodeKeyed == 0 && keyed || f.prev != j {
		return false, nil // not placed as the walk placed it
	}
	if !f.skip {
		if err := r.execPart(f); err != nil {
			return false, err
		}
	}
	if r.resentShell(f, abs, pn) { // resent.go
		return true, nil
	}
	r.addPatch(fragments.Patch{Start: f.start, End: f.end, Prev: abs, Seen: pn.seen, Own: f.own})
	return true, nil
}

// copyPart takes part node j, unchanged, into the new memo: its subtree
// as it was, at fragment abs of the previous State.
func (r *run) copyPart(o *frame, j, abs int32) {
	at := r.newNode(0, 0, false)
	r.copySubtree(at, j)
	if end := r.nodes[at].next; end > at+1 {
		r.verbatim = append(r.verbatim, [2]int32{at + 1, end})
	}
	k := r.addRec(true, -1, at, o.encl)
	r.recs[k].prev, r.recs[k].pnode = abs, j
	r.addKid(o.part, kidIdent{ident: r.nodes[at].ident, prev: abs})
	r.copied++
}

// shellPart walks part node j, whose shell is unchanged: a shell of
// DiffPatched at fragment abs.
func (r *run) shellPart(o *frame, j, abs int32, vals []reflect.Value, locs []loc, key uint64, keyed bool) (bool, error) {
	prev := r.pnodes
	pn := &prev[j]
	at := r.copyNode(j, key, keyed)
	k := r.addRec(false, -1, at, o.encl)
	r.shells = append(r.shells, fragments.Shell{Prev: abs, Seen: pn.seen})
	r.recs[k].prev, r.recs[k].pnode, r.recs[k].shell = abs, j, int32(len(r.shells))
	f := r.frame()
	*f = frame{r: r, u: r.p.units[pn.unit], vals: vals, locs: locs, parent: o, up: o.part, prev: j, cursor: j + 1,
		base: abs, encl: k, rec: k, node: at, key: key, keyed: keyed}
	f.owner, f.part = f, f
	r.shellOf = append(r.shellOf, f)
	if ok, err := r.walk(f); !ok || err != nil {
		return false, err
	}
	r.nodes[at].next = int32(len(r.nodes))
	r.nodes[at].ident = r.identFrom(pn.shell, f.kids)
	r.addKid(o.part, kidIdent{ident: r.nodes[at].ident, prev: abs})
	return true, nil
}

// copyNode appends a copy of previous node j with the key key.
func (r *run) copyNode(j int32, key uint64, keyed bool) int32 {
	at := r.newNode(0, 0, false)
	r.nodes[at] = r.pnodes[j]
	r.nodes[at].key = key
	r.nodes[at].flags &^= nodeKeyed
	if keyed {
		r.nodes[at].flags |= nodeKeyed
	}
	return at
}

// walkRange walks range node j of the previous memo, inside shell o: its
// rows are the previous rows, as many (the shell's key holds the length).
func (r *run) walkRange(o *frame, j int32) (bool, error) {
	prev := r.pnodes
	u := r.p.units[prev[j].unit]
	in, ok := nativeInputs(r.valSlab(len(u.args)), u.args, o.vals)
	if !ok {
		return false, nil
	}
	coll, shared := in[0], in[1:]
	v, keys, ok := rangeOf(u, coll)
	if !ok {
		return false, nil
	}
	n := 0
	kids(prev, j, func(int32) bool { n++; return true })
	if n != v.Len() {
		return false, nil
	}
	g := &rangeRun{u: u, v: v, keys: keys, vals: shared, owner: o, part: o.part, base: o.base, encl: o.encl, prev: j}
	r.prepare(g, o.locs, coll)
	at := r.newNode(0, 0, false)
	r.nodes[at] = prev[j]
	rv, rl := r.valSlab(u.nin()), r.locSlab(u.nin())[:u.nin()]
	// Rows whose element is byte for byte the previous one's, in a list
	// found through the layout, read what they read before when the reads
	// the rows share are the same: their keys are the previous ones, and
	// neither their inputs nor their keys need computing.
	unchanged, oldStart := r.unchangedElems(g)
	sameReads := false
	// Rows whose collection and shared reads are kept (rootfields.go)
	// read what the rows at their index read before.
	rowsKept := r.rowsKept(g)
	for i, pj := 0, j+1; i < n; i, pj = i+1, prev[pj].next {
		prow := &prev[pj]
		var key uint64
		var keyed, known bool
		if rowsKept && prow.keyed() || sameReads && unchanged[i] {
			key, keyed = prow.key, prow.keyed()
			if rowsKept && keyed {
				r.keptRow(g, i, rv, rl, key)
			}
		} else {
			g.at(i, rv, rl)
			key, keyed = r.rowKey(g, rl)
			known = true
			if i == 0 {
				sameReads = unchanged != nil && g.sameRows(&prev[j], oldStart)
			}
		}
		same := keyed && prow.keyed() && prow.key == key
		if same && !r.noCacheIn(pj) {
			if !r.copyRow(o, pj) {
				return false, nil
			}
			continue
		}
		if !known {
			g.at(i, rv, rl)
		}
		if !same {
			if prow.flags&nodeSkeyed == 0 {
				return false, nil
			}
			if !r.sameShellKey(&u.shell, rv, rl, prow.skey) {
				return false, nil // the row's own markup changed: the part around renders
			}
		}
		row := r.copyNode(pj, key, keyed)
		f := r.frame()
		*f = frame{r: r, u: u, vals: r.cloneVals(rv), locs: r.cloneLocs(rl), parent: o, part: o.part, prev: pj, cursor: pj + 1,
			base: o.base, encl: o.encl, rec: -1, node: row, key: key, keyed: keyed}
		f.owner = f
		if ok, err := r.walk(f); !ok || err != nil {
			return false, err
		}
		r.nodes[row].next = int32(len(r.nodes))
	}
	r.nodes[at].next = int32(len(r.nodes))
	if rowsKept && !g.prefixDone && prev[j].flags&nodeRows != 0 {
		// No row was keyed: the digest of the shared reads is the
		// previous one (they are kept); the list starts where it is now.
		n := &r.nodes[at]
		n.key, n.ident = prev[j].key, uint64(g.elems[0].Start)
	} else {
		g.keepRows(&r.nodes[at])
	}
	return true, nil
}

// sameShellKey reports whether the shell reading sh, with inputs vals at
// locs, has the shell key skey.
func (r *run) sameShellKey(sh *readSet, vals []reflect.Value, locs []loc, skey uint64) bool {
	sk, ok := r.shellKey(sh, vals, locs)
	return ok && sk == skey
}

// noCacheIn reports whether a part of previous row pj has data-cache="false"
// in it: it cannot be taken unchanged, Diff re-sends it.
func (r *run) noCacheIn(pj int32) bool {
	prev := r.pnodes
	found := false
	kids(prev, pj, func(k int32) bool {
		switch {
		case r.p.units[prev[k].unit].kind == kindPart:
			found = prev[k].seen.NoCache()
		case prev[k].flags&nodeRange != 0:
			kids(prev, k, func(row int32) bool { found = r.noCacheIn(row); return !found })
		}
		return !found
	})
	return found
}

// copyRow takes row node pj, unchanged, into the new memo, each part in it
// placed anew in the part around, o's.
func (r *run) copyRow(o *frame, pj int32) bool {
	prev := r.pnodes
	at := r.newNode(0, 0, false)
	r.copySubtree(at, pj)
	shift := at - pj
	for k := at + 1; k < r.nodes[at].next; {
		n := &r.nodes[k]
		if r.p.units[n.unit].kind != kindPart {
			k++ // a nested range or row: the parts inside it are o's too
			continue
		}
		if n.frag < 0 || o.base < 0 {
			return false
		}
		abs := o.base + prev[k-shift].frag
		rc := r.addRec(true, -1, k, o.encl)
		r.recs[rc].prev, r.recs[rc].pnode = abs, k-shift
		r.addKid(o.part, kidIdent{ident: n.ident, prev: abs})
		r.copied++
		k = n.next
	}
	return true
}

// nativeInputs computes the inputs of a unit, args, from its caller's,
// vals, as text/template passes them, into out (of len(args)).
func nativeInputs(out []reflect.Value, args []sym, vals []reflect.Value) ([]reflect.Value, bool) {
	for i, a := range args {
		x := nativeOf(a)
		if x == nil || x.fn != "" || x.in < 0 {
			return nil, false
		}
		v, ok := evalNative(x, vals)
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// walkMark is where the walk was when it went into a shell, to go back to
// when that shell cannot be walked.
type walkMark struct {
	nodes, recs, splices, bounds, patches, shells, resends, kids, buf, copied int
}

func (r *run) mark(o *frame) walkMark {
	return walkMark{len(r.nodes), len(r.recs), len(r.splices), len(r.bounds), len(r.patches), len(r.shells),
		len(r.resends), len(o.part.kids), r.buf.Len(), r.copied}
}

func (r *run) rollback(o *frame, m walkMark) {
	r.nodes, r.recs = r.nodes[:m.nodes], r.recs[:m.recs]
	r.splices, r.fills, r.bounds = r.splices[:m.splices], r.fills[:m.splices], r.bounds[:m.bounds]
	r.patches, r.shells, r.shellOf = r.patches[:m.patches], r.shells[:m.shells], r.shellOf[:m.shells]
	r.resends, r.refills = r.resends[:m.resends], r.refills[:m.resends]
	o.part.kids = o.part.kids[:m.kids]
	r.buf.Truncate(m.buf)
	r.copied = m.copied
	for len(r.verbatim) > 0 && r.verbatim[len(r.verbatim)-1][0] >= int32(m.nodes) {
		r.verbatim = r.verbatim[:len(r.verbatim)-1]
	}
}

// keptHTML counts the re-sent parts whose HTML a render took from the
// memo, for the tests.
var keptHTML atomic.Int64

// resentHTML returns the HTML of the re-sent unchanged parts of this
// render that came from the shared cache (or the memo), for the next
// render's memo: a part that then reads the bytes it reads now (its key
// kept, rootfields.go) renders that HTML, and is neither looked up nor
// rendered. HTML a part rendered itself is not kept: the memo of an idle
// session would hold it, where the shared cache's is held once for all.
// The walk places them in document order, which is the nodes' order. The
// previous memo's are kept when they are the same (a push to an idle tab).
func (r *run) resentHTML() []memoHTML {
	n := 0
	for _, f := range r.refills {
		if f.htmlKnown {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if r.prev != nil && len(r.prev.resent) == n {
		same, k := true, 0
		for _, f := range r.refills {
			if f.htmlKnown {
				h := r.prev.resent[k]
				same = same && h.node == f.resentAt && h.html == f.html
				k++
			}
		}
		if same {
			return r.prev.resent
		}
	}
	out := make([]memoHTML, 0, n)
	for _, f := range r.refills {
		if f.htmlKnown {
			out = append(out, memoHTML{node: f.resentAt, html: f.html})
		}
	}
	slices.SortFunc(out, func(a, b memoHTML) int { return cmp.Compare(a.node, b.node) })
	return out
}
