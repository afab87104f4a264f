package statetemplate_test

import (
	"context"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/plan"
	"github.com/livefir/statetemplate/internal/testclock"
	"github.com/livefir/statetemplate/internal/tmplgen"
	"github.com/livefir/statetemplate/session"
)

// TestProperty_IncrementalRenderingMatchesFullRendering renders random
// templates over random sequences of data with two renderers of the same
// template: the default one, which renders only what changed, and one
// WithFullRendering, which renders and diffs the whole page every time
// (whose updates the fragments package proves correct by applying them).
// Every page and every update batch must be the same, but for one
// documented difference: when a render changes no byte of the page, the
// incremental renderer may re-send the data-cache="false" fragments where
// the full one sends a no-op. Between updates, the incremental renderer's
// session is sometimes left idle and compacted (WithIdleCompaction): its
// next update renders from the unpacked state without a memo; sometimes a
// change is rolled back (Session.Rollback) before the next one.
func TestProperty_IncrementalRenderingMatchesFullRendering(t *testing.T) {
	checkKeptKeys(t)
	rapid.Check(t, incrementalMatchesFull)
}

// TestProperty_IncrementalRenderingThroughLayoutsMatchesFullRendering is
// TestProperty_IncrementalRenderingMatchesFullRendering with every
// encoding and list, however small, found through the last render's
// layout (which the memo keeps with the session's data snapshot): across
// idle compaction, reloads and rollbacks, the updates are the full
// renderer's.
func TestProperty_IncrementalRenderingThroughLayoutsMatchesFullRendering(t *testing.T) {
	t.Cleanup(plan.SmallLayouts())
	checkKeptKeys(t)
	rapid.Check(t, incrementalMatchesFull)
}

// checkKeptKeys makes the renders of test t check every key they keep
// without computing it (internal/plan's rootfields.go) against the key
// computed from the data; when t ends, it requires that some were kept and
// none was wrong.
func checkKeptKeys(t *testing.T) {
	kept, wrong, restore := plan.CheckKeptKeys()
	t.Cleanup(func() {
		restore()
		t.Logf("%d keys kept without being computed", kept())
		require.Zero(t, wrong(), "a kept key differs from the key computed from the data")
		require.Positive(t, kept(), "the property must exercise kept keys")
	})
}

func incrementalMatchesFull(t *rapid.T) {
	ctx := context.Background()
	inc, full, clock, parse := incrementalAndFull(t)
	defer inc.Close()
	defer full.Close()

	d := tmplgen.NewData(t)
	tokI, err := inc.CreateSession(ctx, d)
	require.NoError(t, err)
	tokF, err := full.CreateSession(ctx, clone(t, d))
	require.NoError(t, err)
	if !firstPagesAlike(t, inc, full, tokI, tokF) {
		return
	}
	sI, err := inc.GetSession(tokI)
	require.NoError(t, err)
	defer sI.Close()
	sF, err := full.GetSession(tokF)
	require.NoError(t, err)
	defer sF.Close()

	next := 1000
	for range rapid.IntRange(1, 8).Draw(t, "steps") {
		if rapid.IntRange(0, 3).Draw(t, "idle") == 0 {
			clock.Advance(statetemplate.DefaultIdleCompaction + time.Second)
			_, err := inc.Sweep(ctx)
			require.NoError(t, err)
		}
		if rapid.IntRange(0, 5).Draw(t, "rollback") == 0 {
			// A failed action: its change in place is rolled back.
			tmplgen.Mutate(t, d, &next)
			require.NoError(t, sI.Rollback(ctx))
			require.NoError(t, sF.Rollback(ctx))
			v, err := sI.CopyData(ctx)
			require.NoError(t, err)
			d = v.(*tmplgen.Data)
		}
		for range rapid.IntRange(1, 3).Draw(t, "mutations") {
			tmplgen.Mutate(t, d, &next)
		}
		upsF, errF := sF.RenderFragments(ctx, clone(t, d))
		upsI, errI := sI.RenderFragments(ctx, d)
		if errF != nil {
			require.ErrorIs(t, errF, fragments.ErrDuplicateFragmentID)
			require.ErrorIs(t, errI, fragments.ErrDuplicateFragmentID, "both fail alike")
			return
		}
		require.NoError(t, errI)
		requireSameUpdates(t, upsF, upsI, func() string {
			var b strings.Builder
			require.NoError(t, parse().Execute(&b, clone(t, d)))
			return b.String()
		})
		if rapid.IntRange(0, 4).Draw(t, "reload") == 0 {
			pageI, errI := inc.RenderPage(tokI)
			pageF, errF := full.RenderPage(tokF)
			require.NoError(t, errF)
			require.NoError(t, errI)
			require.Equal(t, pageF, pageI, "a reload")
		}
	}
}

// clone returns a deep copy of d, for the other renderer's session.
func clone(t require.TestingT, d *tmplgen.Data) *tmplgen.Data {
	b, err := session.EncodeData(d)
	require.NoError(t, err)
	var c tmplgen.Data
	require.NoError(t, session.DecodeData(b, &c))
	return &c
}

// requireSameUpdates compares two update batches but for timestamps. Where
// want is a no-op and got is not, got must re-send data-cache="false"
// fragments of the unchanged page, which page renders: each update a
// replace of markup the page holds as it is, holding such a fragment (the
// diff may send two re-sent siblings as one replace of their parent).
func requireSameUpdates(t require.TestingT, want, got []statetemplate.Update, page func() string) {
	strip := func(ups []statetemplate.Update) []statetemplate.Update {
		out := make([]statetemplate.Update, len(ups))
		for i, u := range ups {
			u.Timestamp = out[i].Timestamp
			out[i] = u
		}
		return out
	}
	if len(want) == 1 && want[0].IsNoOp && !(len(got) == 1 && got[0].IsNoOp) {
		p := page()
		for _, u := range got {
			require.Equal(t, statetemplate.ActionReplace, u.Action, "an unchanged page re-sends only data-cache=\"false\" fragments")
			require.Contains(t, u.HTML, `data-cache="false"`)
			require.Contains(t, p, u.HTML, "a re-send is the page's markup as it is")
		}
		return
	}
	require.Equal(t, strip(want), strip(got))
}

// incrementalAndFull returns two renderers of one random template (each
// parsing it anew: an executed template is not rendered incrementally):
// the default one, with a shared part cache and a settable clock, and one
// WithFullRendering, the judge; and parse, which parses it again.
func incrementalAndFull(t *rapid.T) (inc, full *statetemplate.Renderer, clock *testclock.Clock, parse func() *template.Template) {
	src := tmplgen.Template(t)
	parse = func() *template.Template {
		return template.Must(template.New("page").Funcs(tmplgen.Funcs()).Parse(src))
	}
	clock = newClock()
	inc, err := statetemplate.New(parse(), statetemplate.WithFragmentCache(1<<20), statetemplate.WithClock(clock.Now))
	require.NoError(t, err)
	full, err = statetemplate.New(parse(), statetemplate.WithFullRendering())
	if err != nil {
		inc.Close()
	}
	require.NoError(t, err)
	return inc, full, clock, parse
}

// firstPagesAlike requires the first pages of a session of inc and of full
// to be alike, and reports whether the sessions go on: a random template
// whose page has two elements of one id fails alike in both, and stops.
func firstPagesAlike(t *rapid.T, inc, full *statetemplate.Renderer, tokI, tokF string) bool {
	pageI, errI := inc.RenderPage(tokI)
	pageF, errF := full.RenderPage(tokF)
	if errF != nil {
		require.ErrorIs(t, errF, fragments.ErrDuplicateFragmentID)
		require.ErrorIs(t, errI, fragments.ErrDuplicateFragmentID, "both fail alike")
		return false
	}
	require.NoError(t, errI)
	require.Equal(t, pageF, pageI)
	return true
}
