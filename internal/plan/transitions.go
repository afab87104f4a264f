package plan

import (
	"bytes"
	"reflect"
	"slices"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/genmap"
	"github.com/livefir/statetemplate/session"
)

// Shared transitions. In a push, the tabs of a page go through the same
// transition: each had the same page and now renders the same data (a
// ticker's tabs, a tick). What Diff returns depends on nothing else: the
// updates and State for the whole new page are a function of the previous
// State and the new page, and the new page of the template and its data.
// So a render remembers its result, found by a digest of the data's
// encoding and of the previous State's fragment hashes, and a render of another session whose previous State has the
// same fragments (fragments.State.SameFragments: every id, hash and
// offset) and whose data encodes to the same bytes takes it instead of
// rendering: the same updates, and the same State and Memo, which neither
// session ever modifies. After one such render the sessions hold the same
// State, and the next transition is found by comparing pointers.
//
// The States' PageHash is not compared: it depends on how a State was
// made (DiffPatched salts it), so tabs that came to the same page by
// different renders would never share. It decides only what Render gives
// for a page that did not change, which Render already leaves open (no
// updates, or the data-cache="false" fragments re-sent, see doc.go): a
// session may get the one where its own render would give the other.
//
// Only byte-identical inputs share: the template, the data's type, which
// must be captured in full by its encoding (session.Shareable, and
// session.Captured for the times it holds), every
// byte of the encoding and the title of the previous page (a render that
// does not render the head leaves the session's title as it was) are
// compared, never a hash alone; an entry that calls a volatile function
// or method (Options.Volatile) is never shared. No session receives
// markup other than its own full render would give it: the markup is a
// function of the template and the encoded data, which the part cache
// (doc.go) relies on too.
//
// What a render shares is what the session keeps anyway, so an entry
// costs the encoding (the record's own, Input.EncKept) and pointers.
// Renders that never find another's (every tab's data differs: its own
// watchlist, its session id) look up less and less (cacheUse); a lookup
// costs a hash of the encoding and a Get.

// transitionBudget bounds the transitions a plan remembers, in bytes as
// transitionCost counts them: the States and memos they hold.
const (
	transitionBudget = 8 << 20
	transitionShards = 16
)

// transitions is a plan's shared transitions. The zero value is ready for
// use; it is safe for concurrent use.
type transitions struct {
	once sync.Once
	m    *genmap.Map[uint64, *transition]
	use  cacheUse
}

// transition is one render's input and result.
type transition struct {
	template string
	typ      reflect.Type
	title    string // of the previous page
	enc      []byte // never modified: the session's snapshot (EncKept)
	prev     *fragments.State
	out      Output // its Updates are a copy no session holds
}

// transitionInput is what finds a transition: the render's input, when it
// may share. It holds the fields of the Input it reads, not the Input: a
// pointer to the render's Input kept here made every render's Input
// escape to the heap (an allocation per tab per push).
type transitionInput struct {
	in     transitionKey
	typ    reflect.Type
	digest uint64
}

// transitionKey is what a transition keeps of the render's Input.
type transitionKey struct {
	Template, Title string
	Enc             []byte
	EncKept         bool
	Prev            *fragments.State
}

// sharable reports whether the render of in with memo may take or give a
// transition, and returns what finds it. A render that writes the page,
// has no memo of the previous page (Render re-sends data-cache="false"
// fragments then) or renders a volatile entry does not share.
func (p *Plan) sharable(in *Input, memo *Memo) (transitionInput, bool) {
	if in.Cache == nil || in.Page != nil || memo == nil || in.Prev == nil || p.volatile[in.Template] {
		return transitionInput{}, false
	}
	typ := reflect.TypeOf(in.Data)
	if in.uncaptured || !session.Shareable(typ) || !p.transitions.use.try() {
		return transitionInput{}, false
	}
	var d xxhash.Digest
	d.Reset()
	_, _ = d.Write(in.Enc)
	_, _ = d.WriteString(in.Template)
	_, _ = d.WriteString(in.Title)
	key := transitionKey{Template: in.Template, Title: in.Title, Enc: in.Enc, EncKept: in.EncKept, Prev: in.Prev}
	return transitionInput{in: key, typ: typ, digest: fold(d.Sum64(), in.Prev)}, true
}

// fold folds the fragment hashes of st into digest h, so that transitions
// from different pages of the same data have keys of their own (a Put
// keeps the entry its key has): the States themselves are compared on a
// hit.
func fold(h uint64, st *fragments.State) uint64 {
	const prime = 0x9e3779b97f4a7c15
	for i, x := range st.Hashes {
		h = (h ^ x) * prime
		if i < len(st.Tags) {
			h = (h ^ st.Tags[i]) * prime
		}
	}
	return h ^ uint64(len(st.IDs))
}

// get returns the output of another render of the same transition as ti.
// Its Updates are the caller's own copy unless readOnly is set: then they
// are the entry's, which every caller of the transition reads.
func (t *transitions) get(ti transitionInput, readOnly bool) (Output, bool) {
	t.once.Do(t.init)
	e, ok := t.m.Get(ti.digest)
	in := ti.in
	hit := ok && e.typ == ti.typ && e.template == in.Template && e.title == in.Title &&
		bytes.Equal(e.enc, in.Enc) && e.prev.SameFragments(in.Prev)
	t.use.note(hit)
	if !hit {
		return Output{}, false
	}
	out := e.out
	if !readOnly {
		out.Updates = slices.Clone(out.Updates)
	}
	out.Shared = true
	return out, true
}

// put remembers out, the render of ti, for other sessions.
func (t *transitions) put(ti transitionInput, out Output) {
	in := ti.in
	if !in.EncKept || out.Memo == nil || !out.Memo.Describes(out.State) {
		return
	}
	t.once.Do(t.init)
	e := &transition{template: in.Template, typ: ti.typ, title: in.Title, enc: in.Enc, prev: in.Prev,
		out: Output{Updates: slices.Clone(out.Updates), State: out.State, Memo: out.Memo, Title: out.Title, TitleKnown: out.TitleKnown}}
	if cost := transitionCost(e); cost <= t.m.MaxSize() {
		t.m.Put(ti.digest, e, cost)
	}
}

func (t *transitions) init() {
	t.m = genmap.New[uint64, *transition](transitionBudget, transitionShards, genmap.Digest)
}

// nodeSize is the size of a memo's node.
var nodeSize = int64(reflect.TypeFor[node]().Size())

// transitionCost estimates what e holds alive: the encoding, the two
// States (ids, parents, hashes, tags and anchors of each fragment), the
// memo's nodes and the updates' markup. The session that made it holds
// the same, until its next render.
func transitionCost(e *transition) int64 {
	cost := int64(256 + len(e.enc) + len(e.title))
	for _, st := range []*fragments.State{e.prev, e.out.State} {
		cost += int64(48 * len(st.IDs))
	}
	cost += int64(e.out.Memo.n) * nodeSize
	for _, u := range e.out.Updates {
		cost += int64(96 + len(u.HTML))
	}
	return cost
}
