package plan

import (
	"maps"
	"reflect"
	"slices"

	"github.com/livefir/statetemplate/internal/cborpath"
)

// A push changes one or two fields of the data's root; most parts read
// others. A render whose memo keeps the layout of the previous encoding
// (layout.go) knows which entries of the root map are byte for byte the
// previous ones (relayoutRoot), and every loc says which root entry its
// value is in (loc.root): a unit walked in a shell that did not change,
// whose every read is in such an entry, reads the bytes it read before,
// and keeps its previous key without its reads being found, narrowed or
// digested (walkKey). This holds because:
//
//   - a key is a function of the unit's static reads and of the bytes each
//     read finds (its kind: encoded, absent or computed, and its bytes);
//   - in a skipping render, a unit is walked in a shell whose shell key is
//     unchanged, at the same place as its previous node: its inputs derive
//     from the page's by the same paths, through rows paired by index with
//     the same number of rows (see skip.go);
//   - a path is followed within the encoding by its bytes alone: from the
//     whole data one step to a root entry, then only within that entry's
//     bytes, so a value in an unchanged entry is found at the same place
//     within it, with the same bytes, kind and type;
//   - a top-level field the encoding omits is absent now and was absent
//     before when the root map has the same keys in the same order.
//
// Anything else is not kept: a read of the whole data, a computed value (a
// function's result, a range's index of a collection that is not in an
// unchanged entry), a volatile unit, data that is not Captured (its keys
// are not keyed at all), a render without the previous layout. The shell
// keys of the page, of walked parts and of rows are kept alike, their
// natives (conditions, lengths) computed from paths under unchanged
// entries. The property tests check every kept key against a render that
// computes them all (TestKeptKeys_*).

// rootAbsent is loc.root for a top-level field the encoding omits.
const rootAbsent int32 = -1

// keepKeys turns keeping keys on; benchmarks turn it off to compare.
var keepKeys = true

// indexRootFields numbers the field steps of every read a render narrows
// to a top-level field (read.fid), so that a render finds each root field
// once, in a slice rather than a map.
func (p *Plan) indexRootFields() {
	each := func(f func(rs *readSet)) {
		for _, u := range p.units {
			f(&u.rs)
			f(&u.shell)
		}
		for _, sh := range p.shells {
			f(sh)
		}
	}
	idx := map[string]int32{}
	each(func(rs *readSet) {
		for _, rd := range rs.reads {
			if rd.step != "" {
				idx[rd.step] = 0
			}
		}
	})
	names := slices.Sorted(maps.Keys(idx))
	for i, name := range names {
		idx[name] = int32(i)
	}
	each(func(rs *readSet) {
		for i := range rs.reads {
			if id, ok := idx[rs.reads[i].step]; ok {
				rs.reads[i].fid = id + 1
			}
		}
	})
	p.rootFields, p.rootFieldIDs = names, idx
}

// rootField returns where top-level field rd.step of the data is, found
// once per render.
func (r *run) rootField(rd read) loc {
	t := r.top()
	slot := int(rd.fid) - 1
	if slot >= 0 && slot < len(t.rootLocs) && t.rootLocs[slot].kind != locNone {
		return t.rootLocs[slot]
	}
	whole := loc{kind: locEnc, start: 0, end: len(r.enc), typ: r.rootType}
	var l loc
	if tab := r.p.rootKeysOf(r.rootType); slot >= 0 && tab != nil {
		if k := &tab.keys[slot]; k.ok {
			l = r.stepKey(whole, k.key, k.typ)
		}
	} else {
		l = r.step(whole, rd.step)
	}
	if l.kind == locNone {
		l = whole // a method, a value of another kind: read whole
	}
	if slot >= 0 && slot < len(r.p.rootFields) {
		if len(t.rootLocs) < len(r.p.rootFields) {
			t.rootLocs = slices.Grow(t.rootLocs[:0], len(r.p.rootFields))[:len(r.p.rootFields)]
		}
		t.rootLocs[slot] = l
	}
	return l
}

// rootKeys are the encoded keys of the plan's root fields (by read.fid -
// 1) in data of one type: what step finds by fieldKey, found once.
type rootKeys struct {
	typ  reflect.Type
	keys []rootKey
}

type rootKey struct {
	key []byte // the encoded text key
	typ reflect.Type
	ok  bool
}

// rootKeysOf returns the root keys of data of type t, or nil when t is
// nil or the plan reads no root field.
func (p *Plan) rootKeysOf(t reflect.Type) *rootKeys {
	if tab := p.rootKeys.Load(); tab != nil && tab.typ == t {
		return tab
	}
	if t == nil || len(p.rootFields) == 0 {
		return nil
	}
	tab := &rootKeys{typ: t, keys: make([]rootKey, len(p.rootFields))}
	for i, name := range p.rootFields {
		key, ft, ok := fieldKey(t, name)
		tab.keys[i] = rootKey{key: cborpath.TextKey(nil, key), typ: ft, ok: ok}
	}
	p.rootKeys.Store(tab) // the last type rendered: an app's pages have one
	return tab
}

// rootFieldNamed is rootField for a field named by a native's path.
func (r *run) rootFieldNamed(name string) loc {
	rd := read{step: name}
	if id, ok := r.p.rootFieldIDs[name]; ok {
		rd.fid = id + 1
	}
	return r.rootField(rd)
}

// rootCompared reports whether the render found which root entries are
// byte for byte the previous encoding's, finding them first: the root
// map is parsed once per render, through the previous layout.
func (r *run) rootCompared() bool {
	t := r.top()
	if len(t.rootSame) == 0 && t.prev != nil && t.prev.layout != nil && len(r.enc) > 0 {
		_, _ = r.entries(loc{kind: locEnc, start: 0, end: len(r.enc)}) // sets rootSame, or fails and leaves it empty
	}
	return len(t.rootSame) > 0
}

// kept reports whether the value at l is in an entry of the root map that
// is byte for byte the previous render's (see above).
func (r *run) kept(l loc) bool {
	t := r.top()
	switch {
	case l.kind != locEnc && l.kind != locAbsent:
		return false
	case l.root == rootAbsent:
		return l.kind == locAbsent && t.rootKeysSame
	case l.root > 0 && int(l.root) <= len(t.rootSame):
		return t.rootSame[l.root-1]
	}
	return false
}

// readsKept reports whether every read of rs, of inputs at locs, is kept:
// the unit reads what it read at its previous node.
func (r *run) readsKept(rs *readSet, locs []loc) bool {
	if !r.canKeep(rs) {
		return false
	}
	if rs.all {
		return r.allKept(locs)
	}
	for _, rd := range rs.reads {
		if rd.in >= len(locs) || !r.readKept(rd, locs[rd.in]) {
			return false
		}
	}
	return true
}

// canKeep reports whether a unit reading rs can keep keys at all: keeping
// is on, rs is not volatile, the data is Captured, and the render found
// which root entries are unchanged.
func (r *run) canKeep(rs *readSet) bool {
	return keepKeys && !rs.volatile && !r.in.uncaptured && r.rootCompared()
}

// readKept reports whether read rd of the value at l is kept: narrowed to
// its root field when l is the whole data.
func (r *run) readKept(rd read, l loc) bool {
	if rd.step != "" && r.whole(l) {
		l = r.rootField(rd)
	}
	return r.kept(l)
}

// allKept reports whether every value at locs is kept.
func (r *run) allKept(locs []loc) bool {
	for _, l := range locs {
		if !r.kept(l) {
			return false
		}
	}
	return true
}

// walkKey returns the key of unit u with inputs at locs, walked at
// previous node pn: pn's when its reads are kept, else computed. A part
// with parts inside whose shell can be walked, and which reads a whole
// root entry that changed, is not keyed: its key would differ from pn's,
// and it is walked or executed, never taken whole, whether keyed or not
// (a part's key is used whole only to take it unchanged, and, for a leaf or
// a data-cache="false" root, for the shared cache: those are keyed).
func (r *run) walkKey(u *unit, locs []loc, pn *node) (key uint64, keyed, kept bool) {
	if pn.keyed() && r.readsKept(&u.rs, locs) {
		noteKept(pn.key, func() (uint64, bool) { return r.key(u, locs) })
		return pn.key, true, true
	}
	if !u.leaf && pn.flags&nodeSkeyed != 0 && !pn.seen.RootNoCache() && r.readsChangedEntry(&u.rs, locs) {
		return 0, false, false
	}
	key, keyed = r.key(u, locs)
	return key, keyed, false
}

// readsChangedEntry reports whether a read of rs, of inputs at locs, is
// the whole value of a root entry that is not byte for byte the previous
// render's.
func (r *run) readsChangedEntry(rs *readSet, locs []loc) bool {
	t := r.top()
	if !keepKeys || rs.all || !r.rootCompared() {
		return false
	}
	for _, rd := range rs.reads {
		if rd.in >= len(locs) || rd.step == "" || !r.whole(locs[rd.in]) {
			continue
		}
		if l := r.rootField(rd); l.entry && l.root > 0 && int(l.root) <= len(t.rootSame) && !t.rootSame[l.root-1] {
			return true
		}
	}
	return false
}

// keptShell reports whether a shell that reads sh, with inputs vals at
// locs, is kept (shellKept): its previous shell key skey holds.
func (r *run) keptShell(sh *readSet, vals []reflect.Value, locs []loc, skey uint64) bool {
	if !r.shellKept(sh, locs) {
		return false
	}
	noteKept(skey, func() (uint64, bool) { return r.shellKey(sh, vals, locs) })
	return true
}

// keptRow notes the key of row i of g kept as key (rowsKept), to check
// it against rowKey's, leaving g's digest of shared reads as it was.
func (r *run) keptRow(g *rangeRun, i int, rv []reflect.Value, rl []loc, key uint64) {
	noteKept(key, func() (uint64, bool) {
		saved := *g
		defer func() { *g = saved }()
		g.at(i, rv, rl)
		return r.rowKey(g, rl)
	})
}

// shellKept reports whether a shell that reads sh, with inputs at locs,
// reads what it read before: its reads and natives are kept. Its previous
// shell key then holds.
func (r *run) shellKept(sh *readSet, locs []loc) bool {
	if sh == nil || sh.opaque || !r.readsKept(sh, locs) {
		return false
	}
	for _, n := range sh.natives {
		if !r.nativeKept(n.x, locs) {
			return false
		}
	}
	return true
}

// nativeKept reports whether native x, of inputs at locs, computes from
// kept values only: constants and paths under kept values.
func (r *run) nativeKept(x *native, locs []loc) bool {
	switch {
	case x.fn == "" && x.in < 0:
		return true
	case x.fn == "":
		if x.in >= len(locs) {
			return false
		}
		l := locs[x.in]
		if r.whole(l) {
			if len(x.path) == 0 {
				return false
			}
			l = r.rootFieldNamed(x.path[0])
		}
		return r.kept(l)
	}
	for _, a := range x.args {
		if !r.nativeKept(a, locs) {
			return false
		}
	}
	return true
}

// rowsKept reports whether every row of g reads what the previous row at
// its index read: its collection is a kept value found element by element
// in the encoding (so each element, and a map's key, is the previous
// one), and the reads the rows share are kept.
func (r *run) rowsKept(g *rangeRun) bool {
	u := g.u
	if g.elems == nil || !r.canKeep(&u.rs) || !r.kept(g.coll) {
		return false
	}
	if u.rs.all {
		return r.allKept(g.outer)
	}
	firstRange := 2 + len(u.vars)
	for _, rd := range u.rs.reads {
		switch {
		case rd.in == 0 || rd.in >= firstRange:
			continue // the element, or the range's variables: of the collection
		case rd.in-1 >= len(g.outer) || !r.readKept(rd, g.outer[rd.in-1]):
			return false
		}
	}
	return true
}
