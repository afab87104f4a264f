package main

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/internal/fixture"
)

func render(t *testing.T, tmpl *template.Template) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, tmpl.Execute(&b, fixture.NewDashboard(3)))
	return b.String()
}

func TestDashboardTemplate_ByName(t *testing.T) {
	design, err := dashboardTemplate(templateDesign)
	require.NoError(t, err)
	assert.NotSame(t, fixture.Template(), design, "a renderer's own parse, not the shared one")
	assert.Equal(t, render(t, fixture.Template()), render(t, design))
	tuned, err := dashboardTemplate(templateTuned)
	require.NoError(t, err)
	assert.Equal(t, render(t, fixture.TunedTemplate()), render(t, tuned))
	_, err = dashboardTemplate("fancy")
	assert.Error(t, err)
}
