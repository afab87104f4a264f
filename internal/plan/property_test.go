package plan

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/tmplgen"
	"github.com/livefir/statetemplate/session"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// execute renders the page as the app's template does.
func execute(t require.TestingT, tmpl *template.Template, d any) []byte {
	return executeNamed(t, tmpl, "", d)
}

// executeNamed renders template name of the set ("" for tmpl itself).
func executeNamed(t require.TestingT, tmpl *template.Template, name string, d any) []byte {
	var b bytes.Buffer
	if name == "" {
		name = tmpl.Name()
	}
	require.NoError(t, tmpl.ExecuteTemplate(&b, name, d))
	return b.Bytes()
}

func encode(t require.TestingT, d any) []byte {
	b, err := session.EncodeData(d)
	require.NoError(t, err)
	return b
}

// stateEqual compares two states but for their page hashes.
func stateEqual(t require.TestingT, want, got *fragments.State, msg ...any) {
	w, g := *want, *got
	g.PageHash = w.PageHash
	require.Equal(t, w, g, msg...)
}

// TestProperty_RandomTemplatesRenderAsDiffOfTheWholePage renders random
// templates over random data sequences. Every page the plan renders whole
// equals the app's Execute, and every update batch and State equals what
// fragments.Diff gives for the whole new page, whatever was spliced.
func TestProperty_RandomTemplatesRenderAsDiffOfTheWholePage(t *testing.T) {
	shared, err := cache.NewFragments(1 << 20)
	require.NoError(t, err)
	defer shared.Close()
	// Shared across cases too: a part tokenized by one is replayed in
	// another page.
	sharedPatches := fragments.NewPatchCache(1 << 20)
	var spliced, patched, skipped, steps, noEntry, dups, unseen, unseenShape int
	composed0, conds0, uncomputed0, resent0 := composedParts.Load(), composedConds.Load(), uncomputed.Load(), resentShells.Load()
	remembered0, halves0, strings0, keptHTML0 := rememberedHTML.Load(), halfShared.Load(), detachedStrings.Load(), keptHTML.Load()
	smallLayouts(t)
	checkKept(t, true)
	flat0, flatWrong0 := checkFlat(t)
	leaves0, leavesExecuted0, byBytes0, verbatim0 := composedLeaves.Load(), leavesExecuted.Load(), sharedByBytes.Load(), verbatimReplays.Load()
	property := func(t *rapid.T) {
		src := tmplgen.Template(t)
		tmpl := template.Must(template.New("page").Funcs(tmplgen.Funcs()).Parse(src))
		orig := template.Must(template.New("page").Funcs(tmplgen.Funcs()).Parse(src))
		// Sometimes a second page in the set, which a session navigates
		// to and back.
		names := []string{""}
		if rapid.IntRange(0, 3).Draw(t, "second page") == 0 {
			alt := tmplgen.Template(t)
			template.Must(tmpl.New("alt").Parse(alt))
			template.Must(orig.New("alt").Parse(alt))
			names = append(names, "alt")
		}
		p, err := Build(tmpl, Options{})
		require.NoError(t, err, src)
		d := tmplgen.NewData(t)
		var c Cache
		var patches *fragments.PatchCache
		if rapid.Bool().Draw(t, "cache") {
			c, patches = shared, sharedPatches
		}
		if !p.Entry("") {
			noEntry++
			return
		}
		var page bytes.Buffer
		first, err := p.Render(Input{Data: d, Enc: encode(t, d), EncKept: true, Page: &page, Cache: c, Patches: patches})
		prevPage := execute(t, orig, d)
		_, want, wantErr := fragments.Diff(nil, prevPage)
		if wantErr != nil {
			require.ErrorIs(t, err, fragments.ErrDuplicateFragmentID, "the plan fails as Diff does")
			dups++
			return
		}
		require.NoError(t, err)
		require.Equal(t, string(prevPage), page.String(), "the whole page")
		stateEqual(t, want, first.State)
		st, memo := first.State, first.Memo
		ref := want // the full-render path: Diff of whole pages, chained
		next := 1000
		for range rapid.IntRange(1, 6).Draw(t, "steps") {
			for range rapid.IntRange(1, 3).Draw(t, "mutations") {
				tmplgen.Mutate(t, d, &next)
			}
			name := rapid.SampledFrom(names).Draw(t, "template")
			if name != "" && !p.Entry(name) {
				name = ""
			}
			full := executeNamed(t, orig, name, d)
			in := Input{Template: name, Data: d, Enc: encode(t, d), EncKept: rapid.IntRange(0, 3).Draw(t, "kept") > 0, Prev: st, Memo: memo, Cache: c, Patches: patches}
			switch rapid.IntRange(0, 5).Draw(t, "how") {
			case 0:
				in.Memo = nil // after a restart: nothing to splice
			case 1:
				page.Reset()
				in.Page = &page // RenderPage
			}
			out, err := p.Render(in)
			wantUps, wantState, wantErr := fragments.Diff(ref, full)
			if wantErr != nil {
				require.ErrorIs(t, err, fragments.ErrDuplicateFragmentID, "the plan fails as Diff does")
				return
			}
			require.NoError(t, err)
			if in.Page != nil {
				require.Equal(t, string(full), page.String(), "the whole page")
			}
			// Nothing changed, but a render may not see it: the page's
			// ident did not show it (its parts changed shape), or there
			// was no memo and the page the browser has was rendered with
			// splices, so its PageHash is not the page's hash. It then
			// re-sends the data-cache="false" fragments, as for any change.
			var resent []fragments.Update
			if len(wantUps) == 0 {
				stale := *ref
				stale.PageHash = ^stale.PageHash
				resent, _, err = fragments.Diff(&stale, full)
				require.NoError(t, err)
			}
			requireUpdates := func(got []fragments.Update, msg string) {
				switch {
				case len(wantUps) > 0:
					require.Equal(t, wantUps, got, msg)
				case len(got) > 0:
					require.Equal(t, resent, got, msg)
				}
			}
			requireUpdates(out.Updates, "the updates")
			if len(wantUps) == 0 && len(out.Updates) > 0 {
				unseen++
				if in.Memo != nil {
					unseenShape++
				}
			}
			stateEqual(t, wantState, out.State)
			if patches != nil && out.Patched > 0 && in.Page == nil {
				// A second tab in the same state renders the same change:
				// its patches come from the PatchCache, to the same
				// result (and its parts from the shared cache, which may
				// let it see an unchanged page the first did not).
				twin, err := p.Render(in)
				require.NoError(t, err)
				requireUpdates(twin.Updates, "a twin tab's updates")
				stateEqual(t, wantState, twin.State)
				if twin.Shared {
					// It took the first tab's transition whole: a third
					// tab, without the part cache (nor transitions),
					// renders the change, its patches from the PatchCache.
					solo := in
					solo.Cache = nil
					third, err := p.Render(solo)
					require.NoError(t, err)
					requireUpdates(third.Updates, "a third tab's updates")
					stateEqual(t, wantState, third.State)
				}
			}
			spliced += out.Spliced
			patched += out.Patched
			if out.Skipped {
				skipped++
			}
			steps++
			st, memo, ref = out.State, out.Memo, wantState
		}
	}
	// A part re-sent as a shell needs a data-cache="false" part whose
	// shell holds, whose parts change and nothing else of it: about one
	// case in thirty draws one, so a run of the default 100 cases missed
	// it one time in twenty. Up to two more runs while none was drawn
	// keep the coverage check below from failing by chance (1 in 8,000).
	// The same for the other rarer cases the checks below count.
	rare := func() bool {
		return resentShells.Load() == resent0 || rememberedHTML.Load() == remembered0 ||
			halfShared.Load() == halves0 || detachedStrings.Load() == strings0 ||
			composedLeaves.Load() == leaves0 || leavesExecuted.Load() == leavesExecuted0
	}
	for runs := 0; runs == 0 || runs < 3 && rare(); runs++ {
		rapid.Check(t, property)
	}
	t.Logf("%d steps (%d skipping their shells), %d parts spliced, %d patched; %d templates not planned, %d with duplicate ids; %d unchanged pages not seen as such (%d with a memo)", steps, skipped, spliced, patched, noEntry, dups, unseen, unseenShape)
	require.Positive(t, spliced, "the property must exercise splicing")
	require.Positive(t, patched, "the property must exercise patching")
	require.Positive(t, skipped, "the property must exercise skipping shells")
	t.Logf("%d parts composed from their static shells", composedParts.Load()-composed0)
	require.Positive(t, composedParts.Load()-composed0, "the property must exercise composing static shells")
	t.Logf("%d of them with conditions; %d parts executed for a condition not computed", composedConds.Load()-conds0, uncomputed.Load()-uncomputed0)
	require.Positive(t, composedConds.Load()-conds0, "the property must exercise composing shells with conditions")
	require.Positive(t, uncomputed.Load()-uncomputed0, "the property must exercise shells whose conditions are not computed")
	t.Logf("%d data-cache=\"false\" parts re-sent as shells", resentShells.Load()-resent0)
	require.Positive(t, resentShells.Load()-resent0, "the property must exercise parts re-sent as shells")
	t.Logf("%d parts' HTML taken from the plan's memory of it; %d memos sharing half a chunk; %d strings detached", rememberedHTML.Load()-remembered0, halfShared.Load()-halves0, detachedStrings.Load()-strings0)
	require.Positive(t, rememberedHTML.Load()-remembered0, "the property must exercise HTML the plan remembers (cacheKeys.found)")
	require.Positive(t, halfShared.Load()-halves0, "the property must exercise memos sharing one half of a chunk")
	require.Positive(t, detachedStrings.Load()-strings0, "the property must exercise strings detached without the encoder")
	t.Logf("%d renders read their memo's nodes from the plan's flat slot", flatTaken.Load()-flat0)
	require.Positive(t, flatTaken.Load()-flat0, "the property must exercise memos read from the flat slot")
	require.Zero(t, flatWrong.Load()-flatWrong0, "nodes taken from the flat slot must be the memo's, and chunks shared by their bytes equal")
	t.Logf("%d memo chunks shared for their flat bytes", sharedByBytes.Load()-byBytes0)
	require.Positive(t, sharedByBytes.Load()-byBytes0, "the property must exercise chunks shared for their flat bytes")
	// Rare in random templates (TestRender_DashboardThroughLayouts…
	// requires it): a part copied unchanged that holds replayable rows.
	t.Logf("%d replayable rows of parts copied unchanged passed over (checked)", verbatimReplays.Load()-verbatim0)
	t.Logf("%d leaf parts composed, %d executed for a value not computed", composedLeaves.Load()-leaves0, leavesExecuted.Load()-leavesExecuted0)
	require.Positive(t, composedLeaves.Load()-leaves0, "the property must exercise leaf parts composed")
	require.Positive(t, leavesExecuted.Load()-leavesExecuted0, "the property must exercise leaf parts executed for a value not computed")
	// Rare with one session (TestProperty_SessionsRenderingInterleaved…
	// requires it): a re-sent part unchanged over three updates.
	t.Logf("%d re-sent parts' HTML taken from the memo", keptHTML.Load()-keptHTML0)
	t.Logf("%d patches replayed from the PatchCache", sharedPatches.Hits())
	require.Positive(t, sharedPatches.Hits(), "the property must exercise the PatchCache")
}
