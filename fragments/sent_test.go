package fragments

import (
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clockPushPage returns the 50-task dashboard with its users figure at
// users: what the clock push changes besides the time.
func clockPushPage(t testing.TB, users float64) []byte {
	d := fixture.NewDashboard(50)
	s := d.Statistics["users"]
	s.Value = users
	d.Statistics["users"] = s
	return renderDash(t, d)
}

// pushInput returns DiffPatched's input for the users figure of prev's
// page old moved to users, the panels re-sent (Resends), and the page.
func pushInput(t testing.TB, prev *State, old []byte, users float64, c *PatchCache, refills *int) (PatchInput, []byte) {
	page := clockPushPage(t, users)
	in := patchFrags(t, prev, old, page, []string{"stat-users"}, nil)
	refill := in.Refill
	in.Refill = func(i int) ([]byte, error) { *refills++; return refill(i) }
	in.Cache = c
	return in, page
}

func TestDiffPatched_ResentPanelsTakeTheHTMLTheStateKept(t *testing.T) {
	old := clockPushPage(t, 1)
	_, st := mustDiff(t, nil, old)
	c := NewPatchCache(1 << 20)
	refills := 0
	in, page := pushInput(t, st, old, 2, c, &refills)
	require.Len(t, in.Resends, 3, "the three panels are re-sent")
	first := requirePatchedIsDiff(t, in, page)
	assert.Equal(t, 3, refills, "a State from Diff keeps no HTML: every panel's markup is asked for")
	requireSentOf(t, first.State, page)
	require.Len(t, first.State.sent, 3)

	refills = 0
	in, next := pushInput(t, first.State, page, 3, c, &refills)
	second := requirePatchedIsDiff(t, in, next)
	assert.Zero(t, refills, "the panels' HTML is the one the State kept")
	requireSentOf(t, second.State, next)
	for i, s := range second.State.sent {
		assert.Equal(t, first.State.sent[i].html, s.html, "panel %d", i)
	}
	assert.Same(t, &first.State.sent[0], &second.State.sent[0], "the same panels re-sent: prev's list, shared")

	// A State decoded from storage keeps none: the markup is asked for.
	var decoded State
	b, err := cbor.Marshal(first.State)
	require.NoError(t, err)
	require.NoError(t, cbor.Unmarshal(b, &decoded))
	require.True(t, decoded.SameFragments(first.State))
	refills = 0
	in, _ = pushInput(t, &decoded, page, 3, c, &refills)
	requirePatchedIsDiff(t, in, next)
	assert.Equal(t, 3, refills)
}

func TestDiffPatched_OwnShellHTMLIsNotKept(t *testing.T) {
	old := clockPushPage(t, 1)
	_, st := mustDiff(t, nil, old)
	refills := 0
	in, page := pushInput(t, st, old, 2, nil, &refills)
	// The footer re-sent as a shell of its own, Own, around no patch.
	footer := indexOf(st, "status-footer")
	for i, r := range in.Resends {
		if r.Prev == footer {
			in.Resends = append(in.Resends[:i:i], in.Resends[i+1:]...)
			in.Shells = append(in.Shells, Shell{Prev: footer, Seen: r.Seen, Own: true})
		}
	}
	x, err := extract(page, 0)
	require.NoError(t, err)
	in.Markup = func(i int) ([]byte, error) {
		f := x.frags[x.index[st.IDs[in.Shells[i].Prev]]]
		return page[f.start:f.end], nil
	}
	got := requirePatchedIsDiff(t, in, page)
	requireSentOf(t, got.State, page)
	for _, s := range got.State.sent {
		assert.NotEqual(t, footer, s.frag, "an Own shell's HTML is the session's: not kept")
	}
	assert.Len(t, got.State.sent, 2)
}

// BenchmarkDiffPatched_ClockPush diffs the dashboard's clock push on 50
// tasks (a statistic changed, three data-cache="false" panels re-sent),
// with a PatchCache: from a State that kept the panels' HTML (carried), and
// from one that did not (refilled: their markup asked for, hashed and
// looked up).
func BenchmarkDiffPatched_ClockPush(b *testing.B) {
	old := clockPushPage(b, 1)
	_, st := mustDiff(b, nil, old)
	c := NewPatchCache(1 << 20)
	refills := 0
	in, page := pushInput(b, st, old, 2, c, &refills)
	first, err := DiffPatched(in)
	require.NoError(b, err)
	for _, tc := range []struct {
		name string
		prev *State
	}{{"refilled", st}, {"carried", first.State}} {
		b.Run(tc.name, func(b *testing.B) {
			prevPage := old
			if tc.prev == first.State {
				prevPage = page
			}
			in, _ := pushInput(b, tc.prev, prevPage, 3, c, &refills)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DiffPatched(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
