package plan

import (
	"html/template"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/tmplgen"
	"github.com/livefir/statetemplate/session"
)

// TestProperty_SessionsRenderingInterleavedTransitionsEachGetTheirOwnPage
// renders random templates for several sessions at once, in a random
// order: mostly the same data (a push: every session is given a copy of
// one value that changes), sometimes a change of one session's own. Every
// render of every session, whether it took another session's transition
// or not, equals fragments.Diff of that session's own whole page from the
// page it has. Parts are judged by short windows of shared-cache lookups
// (cacheUse), so that renders go through both phases: parts looked up,
// and parts whose lookups are skipped, patched as Own (fragments.Patch).
func TestProperty_SessionsRenderingInterleavedTransitionsEachGetTheirOwnPage(t *testing.T) {
	window, skip := cacheUseWindow, cacheUseSkip
	cacheUseWindow, cacheUseSkip = 1, 2
	defer func() { cacheUseWindow, cacheUseSkip = window, skip }()
	own0, composed0 := ownPatches.Load(), composedParts.Load()
	remembered0, halves0, strings0, keptHTML0 := rememberedHTML.Load(), halfShared.Load(), detachedStrings.Load(), keptHTML.Load()
	smallLayouts(t)
	checkKept(t, true)
	flat0, flatWrong0 := checkFlat(t)
	shared, err := cache.NewFragments(1 << 20)
	require.NoError(t, err)
	defer shared.Close()
	patches := fragments.NewPatchCache(1 << 20)
	var renders, taken int
	property := func(t *rapid.T) {
		src := tmplgen.Template(t)
		tmpl := template.Must(template.New("page").Funcs(tmplgen.Funcs()).Parse(src))
		orig := template.Must(template.New("page").Funcs(tmplgen.Funcs()).Parse(src))
		p, err := Build(tmpl, Options{})
		require.NoError(t, err, src)
		if !p.Entry("") {
			return
		}
		type sess struct {
			d     *tmplgen.Data
			st    *fragments.State
			memo  *Memo
			ref   *fragments.State
			title string
		}
		copyOf := func(d *tmplgen.Data) *tmplgen.Data {
			v, err := session.DecodeAs(reflect.TypeOf(d), encode(t, d))
			require.NoError(t, err)
			return v.(*tmplgen.Data)
		}
		pushed := tmplgen.NewData(t)
		next := 1000
		n := rapid.IntRange(2, 4).Draw(t, "sessions")
		all := make([]*sess, n)
		for i := range all {
			s := &sess{d: copyOf(pushed)}
			out, err := p.Render(Input{Data: s.d, Enc: encode(t, s.d), EncKept: true, Cache: shared, Patches: patches})
			_, ref, wantErr := fragments.Diff(nil, execute(t, orig, s.d))
			if wantErr != nil {
				require.ErrorIs(t, err, fragments.ErrDuplicateFragmentID)
				return
			}
			require.NoError(t, err)
			s.st, s.memo, s.ref, s.title = out.State, out.Memo, ref, out.Title
			all[i] = s
		}
		for range rapid.IntRange(1, 8).Draw(t, "steps") {
			switch rapid.IntRange(0, 5).Draw(t, "own") {
			case 0:
				// One session's own change.
				s := all[rapid.IntRange(0, n-1).Draw(t, "session")]
				tmplgen.Mutate(t, s.d, &next)
			case 1:
				// One session's data differs from the others' in one byte
				// of a string (what a part, composed or not, reads).
				s := all[rapid.IntRange(0, n-1).Draw(t, "session")]
				field := rapid.SampledFrom([]*string{&s.d.Title, &s.d.Sub.A}).Draw(t, "field")
				if b := []byte(*field); len(b) > 0 {
					b[len(b)-1] ^= 1
					*field = string(b)
				} else {
					*field = "x"
				}
			default:
				tmplgen.Mutate(t, pushed, &next)
				for _, s := range all {
					s.d = copyOf(pushed)
				}
			}
			// Each session renders, in a random order.
			order := rapid.Permutation(all).Draw(t, "order")
			for k, s := range order {
				full := execute(t, orig, s.d)
				out, err := p.Render(Input{Data: s.d, Enc: encode(t, s.d), EncKept: true, Prev: s.st, Memo: s.memo,
					Title: s.title, Cache: shared, Patches: patches})
				wantUps, wantState, wantErr := fragments.Diff(s.ref, full)
				if wantErr != nil {
					require.ErrorIs(t, err, fragments.ErrDuplicateFragmentID, "the plan fails as Diff does")
					return
				}
				require.NoError(t, err)
				switch {
				case len(wantUps) > 0:
					require.Equal(t, wantUps, out.Updates, "session %d's updates", k)
				case len(out.Updates) > 0:
					// Unchanged, not seen as such: the data-cache="false"
					// fragments re-sent, as for any change.
					stale := *s.ref
					stale.PageHash = ^stale.PageHash
					resent, _, err := fragments.Diff(&stale, full)
					require.NoError(t, err)
					require.Equal(t, resent, out.Updates, "session %d's re-sent fragments", k)
				}
				stateEqual(t, wantState, out.State, "session %d's State", k)
				require.True(t, out.Memo == nil || out.Memo.Describes(out.State))
				renders++
				if out.Shared {
					taken++
				}
				s.st, s.memo, s.ref = out.State, out.Memo, wantState
				if out.TitleKnown {
					s.title = out.Title
				}
			}
		}
	}
	// Up to two more runs while a case the checks below count was not
	// drawn, so that they do not fail by chance.
	rare := func() bool {
		return taken == 0 || ownPatches.Load() == own0 || composedParts.Load() == composed0 ||
			rememberedHTML.Load() == remembered0 || halfShared.Load() == halves0 || detachedStrings.Load() == strings0 || keptHTML.Load() == keptHTML0
	}
	for runs := 0; runs == 0 || runs < 3 && rare(); runs++ {
		rapid.Check(t, property)
	}
	own, composed := ownPatches.Load()-own0, composedParts.Load()-composed0
	t.Logf("%d renders, %d of them another session's transition; %d Own patches; %d parts composed", renders, taken, own, composed)
	require.Positive(t, taken, "the property must exercise shared transitions")
	require.Positive(t, own, "the property must exercise Own patches")
	require.Positive(t, composed, "the property must exercise parts composed from their static shells")
	remembered, halves, strs := rememberedHTML.Load()-remembered0, halfShared.Load()-halves0, detachedStrings.Load()-strings0
	t.Logf("%d parts' HTML taken from the plan's memory of it; %d memos sharing half a chunk; %d strings detached", remembered, halves, strs)
	require.Positive(t, remembered, "the property must exercise HTML the plan remembers (cacheKeys.found)")
	require.Positive(t, halves, "the property must exercise memos sharing one half of a chunk")
	require.Positive(t, strs, "the property must exercise strings detached without the encoder")
	t.Logf("%d re-sent parts' HTML taken from the memo", keptHTML.Load()-keptHTML0)
	require.Positive(t, keptHTML.Load()-keptHTML0, "the property must exercise re-sent parts' HTML the memo keeps")
	// Sessions interleaved: the slot serves a session only when no other
	// render came between its two.
	t.Logf("%d renders read their memo's nodes from the plan's flat slot", flatTaken.Load()-flat0)
	require.Positive(t, flatTaken.Load()-flat0, "the property must exercise memos read from the flat slot")
	require.Zero(t, flatWrong.Load()-flatWrong0, "nodes taken from the flat slot must be the memo's")
}
