package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fixture"
)

func TestDashboardTemplate_ByName(t *testing.T) {
	design, err := dashboardTemplate(templateDesign)
	require.NoError(t, err)
	assert.Same(t, fixture.Template(), design)
	tuned, err := dashboardTemplate(templateTuned)
	require.NoError(t, err)
	assert.Same(t, fixture.TunedTemplate(), tuned)
	_, err = dashboardTemplate("fancy")
	assert.Error(t, err)
}
