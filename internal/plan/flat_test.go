package plan

import (
	"fmt"
	"html/template"
	"testing"

	"github.com/livefir/statetemplate/fragments"
	"github.com/stretchr/testify/require"
)

// checkFlat turns on the checks of the nodes taken from the flat slot for
// the test, and returns the counts before it: renders taken from the slot
// and wrong ones.
func checkFlat(t *testing.T) (taken0, wrong0 int64) {
	flatChecks.Store(true)
	t.Cleanup(func() { flatChecks.Store(false) })
	return flatTaken.Load(), flatWrong.Load()
}

// TestRender_FlatSlotServesOnlyItsMemo renders a board's updates in a
// chain, so that each render reads the nodes the one before wrote, then
// renders from an older memo (a second tab, a session the slot was not
// left by) and from the newest again: the slot serves only the memo its
// nodes were written for, and every render equals Diff of the whole page.
func TestRender_FlatSlotServesOnlyItsMemo(t *testing.T) {
	taken0, wrong0 := checkFlat(t)
	src := boardTemplates["whitespace after each row"]
	orig := template.Must(template.New("page").Parse(src))
	p, err := Build(template.Must(template.New("page").Parse(src)), Options{})
	require.NoError(t, err)
	d := &board{}
	for i := range 30 {
		d.Q = append(d.Q, quote{S: fmt.Sprint("s", i), P: "0"})
	}
	render := func(prev *fragments.State, memo *Memo) Output {
		t.Helper()
		out, err := p.Render(Input{Data: d, Enc: encode(t, d), Prev: prev, Memo: memo})
		require.NoError(t, err)
		_, want, err := fragments.Diff(nil, execute(t, orig, d))
		require.NoError(t, err)
		stateEqual(t, want, out.State)
		return out
	}
	first := render(nil, nil)
	d.Q[3].P = "1"
	second := render(first.State, first.Memo)
	taken := flatTaken.Load()
	require.Equal(t, taken0+1, taken, "the second render read the first's nodes from the slot")

	d.Q[7].P = "2"
	third := render(second.State, second.Memo)
	require.Equal(t, taken+1, flatTaken.Load(), "the third read the second's")

	// Another tab still at the second memo: the slot holds the third's
	// nodes, so this render flattens its own memo.
	d.Q[7].P = "3"
	other := render(second.State, second.Memo)
	require.Equal(t, taken+1, flatTaken.Load(), "a memo the slot was not written for is flattened")

	// The slot now holds other's nodes: the third's are flattened, and the
	// next of other's are read.
	d.Q[9].P = "4"
	render(third.State, third.Memo)
	require.Equal(t, taken+1, flatTaken.Load())
	d.Q[10].P = "5"
	render(other.State, other.Memo)
	require.Equal(t, taken+1, flatTaken.Load(), "the third's render left its own nodes in the slot")
	require.Equal(t, wrong0, flatWrong.Load(), "nodes taken from the slot are the memo's")
}
