package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fixture"
)

func TestDashboardTemplate_TunedDiffersOnlyByTheTaskTitleID(t *testing.T) {
	design, err := dashboardTemplate(templateDesign)
	require.NoError(t, err)
	tuned, err := dashboardTemplate(templateTuned)
	require.NoError(t, err)

	var a, b bytes.Buffer
	d := fixture.NewDashboard(3)
	require.NoError(t, design.Execute(&a, d))
	require.NoError(t, tuned.Execute(&b, d))
	assert.Equal(t, strings.Replace(a.String(), "<h2>Tasks (3 total)</h2>", `<h2 id="tasks-title">Tasks (3 total)</h2>`, 1), b.String())
}

func TestDashboardTemplate_UnknownNameIsAnError(t *testing.T) {
	_, err := dashboardTemplate("fancy")
	assert.Error(t, err)
}
