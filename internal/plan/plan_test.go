package plan

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/livefir/statetemplate/session"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dashboardTemplate() *template.Template {
	return template.Must(template.New("dashboard").Funcs(fixture.Funcs()).Parse(fixture.Source))
}

func TestRender_FullPageEqualsExecute(t *testing.T) {
	tmpl := dashboardTemplate()
	p, err := Build(tmpl, Options{})
	require.NoError(t, err)
	require.True(t, p.Entry(""))
	d := fixture.NewDashboard(20)
	enc, err := session.EncodeData(d)
	require.NoError(t, err)
	var page bytes.Buffer
	_, err = p.Render(Input{Data: d, Enc: enc, Page: &page})
	require.NoError(t, err)
	var want bytes.Buffer
	require.NoError(t, tmpl.Execute(&want, d))
	assert.Equal(t, want.String(), page.String())
}
