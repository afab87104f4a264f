package statetemplate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/tmplgen"
	"github.com/livefir/statetemplate/session"
)

// TestProperty_SessionsOfAPushMatchFullRendering renders random templates
// for several sessions of one renderer at once, which share transitions
// (a session takes the result another rendered from an equal page and
// equal data), beside a session each of a renderer WithFullRendering.
// Mostly every session is given a copy of one value that changes (a
// push), sometimes one session changes its own, rolls a change back or is
// compacted while idle; the sessions render in a random order. Every
// session's update batch and page is its full renderer's, but for the
// documented re-send of data-cache="false" fragments where nothing
// changed. Some renders read their updates only (session.ReadOnlyUpdates,
// as package live's do), and get no Timestamp; the others write over the
// updates they get, which no other session may see.
func TestProperty_SessionsOfAPushMatchFullRendering(t *testing.T) {
	checkKeptKeys(t)
	rapid.Check(t, sessionsOfAPushMatchFull)
}

func sessionsOfAPushMatchFull(t *rapid.T) {
	ctx := context.Background()
	inc, full, clock, parse := incrementalAndFull(t)
	defer inc.Close()
	defer full.Close()

	type tab struct {
		d      *tmplgen.Data
		sI, sF *statetemplate.Session
		tI, tF string
	}
	pushed := tmplgen.NewData(t)
	tabs := make([]*tab, rapid.IntRange(2, 4).Draw(t, "sessions"))
	for i := range tabs {
		tb := &tab{d: clone(t, pushed)}
		var err error
		tb.tI, err = inc.CreateSession(ctx, tb.d)
		require.NoError(t, err)
		tb.tF, err = full.CreateSession(ctx, clone(t, pushed))
		require.NoError(t, err)
		if !firstPagesAlike(t, inc, full, tb.tI, tb.tF) {
			return
		}
		tb.sI, err = inc.GetSession(tb.tI)
		require.NoError(t, err)
		defer tb.sI.Close()
		tb.sF, err = full.GetSession(tb.tF)
		require.NoError(t, err)
		defer tb.sF.Close()
		tabs[i] = tb
	}
	next := 1000
	for range rapid.IntRange(1, 8).Draw(t, "steps") {
		if rapid.IntRange(0, 5).Draw(t, "idle") == 0 {
			clock.Advance(statetemplate.DefaultIdleCompaction + time.Second)
			_, err := inc.Sweep(ctx)
			require.NoError(t, err)
		}
		switch rapid.IntRange(0, 5).Draw(t, "kind") {
		case 0:
			// One session's own change.
			tmplgen.Mutate(t, rapid.SampledFrom(tabs).Draw(t, "own").d, &next)
		case 1:
			// A failed action of one session: its change in place is
			// rolled back.
			tb := rapid.SampledFrom(tabs).Draw(t, "rolled back")
			tmplgen.Mutate(t, tb.d, &next)
			require.NoError(t, tb.sI.Rollback(ctx))
			require.NoError(t, tb.sF.Rollback(ctx))
			v, err := tb.sI.CopyData(ctx)
			require.NoError(t, err)
			tb.d = v.(*tmplgen.Data)
		default:
			tmplgen.Mutate(t, pushed, &next)
			for _, tb := range tabs {
				tb.d = clone(t, pushed)
			}
		}
		for _, tb := range rapid.Permutation(tabs).Draw(t, "order") {
			upsF, errF := tb.sF.RenderFragments(ctx, clone(t, tb.d))
			ctxI, readOnly := context.Context(ctx), rapid.Bool().Draw(t, "read-only")
			if readOnly {
				ctxI = session.ReadOnlyUpdates{Context: ctx}
			}
			upsI, errI := tb.sI.RenderFragments(ctxI, tb.d)
			if errF != nil {
				require.ErrorIs(t, errF, fragments.ErrDuplicateFragmentID)
				require.ErrorIs(t, errI, fragments.ErrDuplicateFragmentID, "both fail alike")
				return
			}
			require.NoError(t, errI)
			requireSameUpdates(t, upsF, upsI, func() string {
				var b strings.Builder
				require.NoError(t, parse().Execute(&b, clone(t, tb.d)))
				return b.String()
			})
			for i := range upsI {
				if readOnly {
					require.True(t, upsI[i].IsNoOp || upsI[i].Timestamp.IsZero(), "read-only updates are not stamped")
					continue
				}
				require.False(t, upsI[i].Timestamp.IsZero(), "updates are stamped")
				upsI[i].HTML, upsI[i].FragmentID = "written over by one session", "written-over"
			}
			if rapid.IntRange(0, 4).Draw(t, "reload") == 0 {
				pageI, errI := inc.RenderPage(tb.tI)
				pageF, errF := full.RenderPage(tb.tF)
				require.NoError(t, errF)
				require.NoError(t, errI)
				require.Equal(t, pageF, pageI, "a reload")
			}
		}
	}
}
