package plan

import (
	"slices"
	"sync/atomic"

	"github.com/livefir/statetemplate/fragments"
)

// A part with data-cache="false" is re-sent whole on every update that
// changes the page, as Diff re-sends it. When its shell (its output
// without its parts, identOf) is the one the browser has, and no fragment
// of that shell but its root has data-cache="false", it is a re-sent
// Shell of fragments.DiffPatched rather than a patch: its markup, already
// in the buffer, is the update, its own fragment entry the previous one,
// and only the parts inside it that changed are patches, tokenized (or
// replayed from the PatchCache: a clock every tab shows). A status footer
// around the tab's id and a clock, or a counter section around its
// display and history, is then never tokenized whole.

// resentShells counts the parts re-sent as shells, for the tests.
var resentShells atomic.Int64

// resendShells turns re-sent shells on; the benchmarks turn it off to
// compare, never while renders run.
var resendShells = true

// shellStands reports whether a part whose shell is unchanged, and whose
// subtree was learned as seen, can be a shell of DiffPatched: no fragment
// of its shell has data-cache="false", or only its root, and it is then
// re-sent whole.
func shellStands(seen fragments.Seen) bool {
	return !seen.ShellNoCache() || resendShells && seen.ShellResent()
}

// resentShell makes part frame f, executed by the walk (skip.go) at
// fragment abs of the previous State, where previous node pn was, a
// re-sent shell when its shell is pn's and only its root has
// data-cache="false": the parts inside it are sorted as visit sorts them.
// It reports false, having changed nothing, when f cannot be one: the
// caller then patches it whole.
func (r *run) resentShell(f *frame, abs int32, pn *node) bool {
	if !resendShells || f.skip || f.u.leaf || f.rec < 0 || f.shell != pn.shell || !pn.seen.ShellResent() {
		return false
	}
	np, ns := len(r.patches), len(r.shells)
	r.shells = append(r.shells, fragments.Shell{Prev: abs, Seen: pn.seen, Own: f.own})
	r.shellOf = append(r.shellOf, f)
	if !r.visit(f, abs) {
		r.patches, r.shells, r.shellOf = r.patches[:np], r.shells[:ns], r.shellOf[:ns]
		for i := int(f.rec) + 1; i < len(r.recs); i++ {
			if r.recs[i].shell > int32(ns) {
				r.recs[i].shell = 0
			}
		}
		return false
	}
	r.recs[f.rec].shell = int32(ns) + 1
	resentShells.Add(1)
	return true
}

// resentInput completes in, the input of DiffPatched for a walk, when the
// walk made re-sent shells: their markup is in the buffer, and the
// splices and bounds outside the patches (the parts of those shells, and
// the shells themselves) are left out. It returns the index of each rec
// among the splices and bounds given (see patchRecs), or nil when no shell
// is re-sent; false when a part cannot be placed.
func (r *run) resentInput(in *fragments.PatchInput) ([]int32, bool) {
	if !slices.ContainsFunc(r.shells[1:], func(s fragments.Shell) bool { return s.Seen.RootNoCache() }) {
		return nil, true
	}
	local, splices, bounds, fills, ok := r.patchRecs()
	if !ok {
		return nil, false
	}
	in.Splices, in.Bounds = splices, bounds
	in.Fill = func(i int) ([]byte, error) { return r.fill(fills[i]) }
	walked := in.Markup
	in.Markup = func(i int) ([]byte, error) {
		if r.shells[i].Seen.RootNoCache() {
			return r.markupOf(r.shellOf[i]) // executed: in the buffer
		}
		return walked(i)
	}
	return local, true
}
