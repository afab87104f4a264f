package live

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
)

func TestEncodeUpdates_KeepsHTMLUnescapedAndRoundTrips(t *testing.T) {
	in := []statetemplate.Update{{
		FragmentID: "task-1", Action: statetemplate.ActionReplace,
		HTML: `<li id="task-1" data-x="a&b">Tom &amp; Jerry</li>`, HTMLHash: "0123456789abcdef",
	}}
	b, err := encodeUpdates(in)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"html":"<li id=\"task-1\" data-x=\"a&b\">Tom &amp; Jerry</li>"`)
	assert.NotContains(t, string(b), `\u003c`)
	assert.NotEqual(t, byte('\n'), b[len(b)-1], "one JSON value per frame, no trailing newline")

	var out []statetemplate.Update
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)
}
