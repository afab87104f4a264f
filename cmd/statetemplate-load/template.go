package main

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/livefir/statetemplate/internal/fixture"
)

// The -template choices.
const (
	// templateDesign is the design document's dashboard, unchanged.
	templateDesign = "design"
	// templateTuned gives the task list's title an id, as
	// examples/dashboard does. In the design's template the task count
	// is text directly inside tasks-section, so adding or removing a task
	// must replace that whole section; with the id, it is the title and
	// the one row.
	templateTuned = "tuned"
)

const (
	designTitle = `<h2>Tasks ({{len .Tasks}} total)</h2>`
	tunedTitle  = `<h2 id="tasks-title">Tasks ({{len .Tasks}} total)</h2>`
)

// dashboardTemplate returns the dashboard template for name.
func dashboardTemplate(name string) (*template.Template, error) {
	switch name {
	case templateDesign, "":
		return fixture.Template(), nil
	case templateTuned:
		if strings.Count(fixture.Source, designTitle) != 1 {
			return nil, fmt.Errorf("the fixture's task list title has changed; cannot make the tuned template")
		}
		src := strings.Replace(fixture.Source, designTitle, tunedTitle, 1)
		return template.New("dashboard").Funcs(fixture.Funcs()).Parse(src)
	}
	return nil, fmt.Errorf("unknown template %q: want %s or %s", name, templateDesign, templateTuned)
}
