package statetemplate_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/fixture"
)

// TestRenderFragments_LargeDashboardChangedInPlaceMatchesFullRendering
// runs random changes, made in place on the session's data, through a
// dashboard whose task list is long enough for the session to carry its
// encoding over between updates: every batch is the full renderer's.
func TestRenderFragments_LargeDashboardChangedInPlaceMatchesFullRendering(t *testing.T) {
	ctx := context.Background()
	inc := newRendererOf(t, fixture.NewTemplate())
	full := newRendererOf(t, fixture.NewTemplate(), statetemplate.WithFullRendering())
	toks := []string{createRendered(t, inc, fixture.NewDashboard(200)), createRendered(t, full, fixture.NewDashboard(200))}
	muts := []*fixture.Mutator{fixture.NewMutator(11), fixture.NewMutator(11)}
	for step := range 150 {
		var got [2][]string
		var name string
		for k, r := range []*statetemplate.Renderer{inc, full} {
			s, err := r.GetSession(toks[k])
			require.NoError(t, err)
			d := s.Data().(*fixture.DashboardData)
			name = muts[k].Mutate(d)
			ups, err := s.RenderFragments(ctx, d)
			require.NoError(t, err)
			got[k] = updateLines(ups)
			require.NoError(t, s.Close())
		}
		require.Equal(t, got[1], got[0], "step %d (%s)", step, name)
	}
	pages := [2]string{}
	for k, r := range []*statetemplate.Renderer{inc, full} {
		var err error
		pages[k], err = r.RenderPage(toks[k])
		require.NoError(t, err)
	}
	assert.Equal(t, pages[1], pages[0])
}
