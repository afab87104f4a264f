package plan

import (
	"errors"
	"sync/atomic"

	"github.com/livefir/statetemplate/fragments"
)

// A rendered page whose markup, outside some of its parts, is the markup
// of the page the browser has need not be tokenized but for those parts:
// patched finds them, and fragments.DiffPatched diffs them alone. A part
// (or the page) whose shell (its output without its parts, see identOf) is
// unchanged is a shell of DiffPatched, and the parts in it are looked at in
// turn: one with an unchanged output is left as it is, one with an
// unchanged shell is a shell too, any other is a patch. A part with
// data-cache="false" is a patch whenever anything changed: Diff re-sends
// it.

// patched diffs the page, rendered in r's buffer, as patches. It reports
// false when the page cannot be patched: DiffSpliced then diffs it whole.
func (r *run) patched(page *frame) (Output, bool, error) {
	pn := &r.pnodes[0]
	if pn.shell != r.nodes[0].shell || !pn.seen.Valid() || pn.seen.ShellNoCache() {
		return Output{}, false, nil
	}
	r.patches, r.shells, r.shellOf = r.patches[:0], r.shells[:0], r.shellOf[:0]
	r.shells = append(r.shells, fragments.Shell{Prev: 0, Seen: pn.seen})
	r.shellOf = append(r.shellOf, page)
	if !r.visit(page, 0) || len(r.patches) == 0 {
		return Output{}, false, nil
	}
	local, splices, bounds, fills, ok := r.patchRecs()
	if !ok {
		return Output{}, false, nil
	}
	res, err := fragments.DiffPatched(fragments.PatchInput{
		Prev: r.in.Prev, Page: r.buf.Bytes(), Patches: r.patches, Shells: r.shells,
		Splices: splices, Bounds: bounds, HeadIDs: r.prev.heads,
		Fill:   func(i int) ([]byte, error) { return r.fill(fills[i]) },
		Markup: func(i int) ([]byte, error) { return r.markupOf(r.shellOf[i]) },
		Cache:  r.in.Patches,
	})
	if errors.Is(err, fragments.ErrSplice) {
		return Output{}, false, nil
	}
	if err != nil {
		return Output{}, false, err
	}
	return Output{Updates: res.Updates, State: res.State, Memo: r.memo(res, local),
		Spliced: len(r.splices), Patched: len(r.patches)}, true, nil
}

// visit sorts the parts directly inside o, a shell whose root is fragment
// abs of the previous State, into unchanged ones, shells and patches. It
// reports false when one cannot be placed in the previous State.
func (r *run) visit(o *frame, abs int32) bool {
	// The parts are those of the previous shell, which had as many: in
	// the same order, and right below it (below a fragment that is not a
	// part, that fragment would be a shell of unknown size).
	last := abs
	for _, k := range o.kids {
		kf := k.f
		at := k.prev
		if kf != nil {
			at = r.recs[kf.rec].prev
		}
		if at <= last || int(at) >= len(r.in.Prev.Parents) || r.in.Prev.Parents[at] != uint32(abs) {
			return false
		}
		last = at
		if kf == nil {
			continue // spliced: the previous subtree itself
		}
		rc := &r.recs[kf.rec]
		if rc.pnode < 0 {
			return false
		}
		pn := &r.pnodes[rc.pnode]
		switch {
		case kf.ident == pn.ident && !pn.seen.NoCache():
		case kf.shell == pn.shell && shellStands(pn.seen):
			r.shells = append(r.shells, fragments.Shell{Prev: rc.prev, Seen: pn.seen, Own: kf.own})
			r.shellOf = append(r.shellOf, kf)
			rc.shell = int32(len(r.shells))
			if !r.visit(kf, rc.prev) {
				return false
			}
		default:
			r.addPatch(fragments.Patch{Start: kf.start, End: kf.end, Prev: rc.prev, Seen: pn.seen, Own: kf.own})
		}
	}
	return true
}

// patchRecs returns the splices and bounds inside the patches, with the
// index among them of each rec inside a patch (-1 for the others), and
// the splice each of those splices is. It reports false when a part
// outside the patches cannot be placed in the previous State.
func (r *run) patchRecs() (local []int32, splices []fragments.Splice, bounds []fragments.Bound, fills []int, ok bool) {
	local = make([]int32, len(r.recs))
	p := 0
	for i, rc := range r.recs {
		if rc.at < 0 {
			// A part a walk copied or walked as a shell: where it was.
			if rc.prev < 0 {
				return nil, nil, nil, nil, false
			}
			local[i] = -1
			continue
		}
		pos := r.splicePos(rc)
		for p < len(r.patches) && r.patches[p].End <= pos {
			p++
		}
		inside := p < len(r.patches) && r.patches[p].Start <= pos && pos < r.patches[p].End &&
			(!rc.splice || pos > r.patches[p].Start)
		switch {
		case inside && rc.splice:
			local[i] = int32(len(splices))
			splices = append(splices, r.splices[rc.at])
			fills = append(fills, int(rc.at))
		case inside:
			local[i] = int32(len(bounds))
			bounds = append(bounds, r.bounds[rc.at])
		case rc.prev < 0:
			return nil, nil, nil, nil, false
		default:
			local[i] = -1
		}
	}
	return local, splices, bounds, fills, true
}

// splicePos returns where rec rc is in the page: its splice or the start
// of its bound.
func (r *run) splicePos(rc rec) int {
	if rc.splice {
		return r.splices[rc.at].Pos
	}
	return r.bounds[rc.at].Start
}

// markupOf returns the whole markup of shell f: its output with the
// splices inside it filled.
func (r *run) markupOf(f *frame) ([]byte, error) {
	buf := r.buf.Bytes()
	// Appended to the render's scratch (DiffPatched only reads it): the
	// markup of earlier shells, below its length, is never written again.
	at := len(r.markBuf)
	out := r.markBuf
	last := f.start
	for i, s := range r.splices {
		if s.Pos <= f.start || s.Pos >= f.end {
			continue
		}
		m, err := r.fill(i)
		if err != nil {
			return nil, err
		}
		out = append(append(out, buf[last:s.Pos]...), m...)
		last = s.Pos
	}
	out = append(out, buf[last:f.end]...)
	r.markBuf = out
	return out[at:len(out):len(out)], nil
}

// ownPatches counts the patches marked Own, for the tests.
var ownPatches atomic.Int64

// addPatch records patch p. A part whose shared-cache lookups were
// skipped (cacheUse: its HTML is found in no other render, as a part that
// reads its session's id) is marked Own: DiffPatched neither looks its
// markup up in the shared PatchCache nor keeps it there.
func (r *run) addPatch(p fragments.Patch) {
	if p.Own {
		ownPatches.Add(1)
	}
	r.patches = append(r.patches, p)
}
