package main

import (
	"fmt"
	"html/template"

	"github.com/livefir/statetemplate/internal/fixture"
)

// The -template choices.
const (
	// templateDesign is the design document's dashboard, unchanged.
	templateDesign = "design"
	// templateTuned is fixture.TunedSource: the task count heading and the
	// filter button have ids, as in examples/dashboard. In the design's
	// template the task count is text directly inside tasks-section, so
	// adding or removing a task must replace that whole section; with the
	// id, it is the heading and the one row.
	templateTuned = "tuned"
)

// dashboardTemplate returns a new parse of the dashboard template for
// name, for a renderer of its own.
func dashboardTemplate(name string) (*template.Template, error) {
	switch name {
	case templateDesign, "":
		return fixture.NewTemplate(), nil
	case templateTuned:
		return fixture.NewTunedTemplate(), nil
	}
	return nil, fmt.Errorf("unknown template %q: want %s or %s", name, templateDesign, templateTuned)
}
