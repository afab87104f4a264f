package statetemplate_test

import (
	"testing"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/fixture"
)

// TestRenderFragments_LargeDashboardChangedInPlaceMatchesFullRendering
// runs random changes, made in place on the session's data, through a
// dashboard whose task list is long enough for the session to carry its
// encoding over between updates: every batch is the full renderer's.
func TestRenderFragments_LargeDashboardChangedInPlaceMatchesFullRendering(t *testing.T) {
	inc := newRendererOf(t, fixture.NewTemplate())
	full := newRendererOf(t, fixture.NewTemplate(), statetemplate.WithFullRendering())
	l := newLockstep(t, inc, full, 200, 11)
	for step := range 150 {
		l.step(t, step)
	}
	l.samePages(t)
}
