package live

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/fragments"
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

// JSON can only carry valid UTF-8: it turns a stray byte from session data
// into U+FFFD. The hash must be of the HTML the browser receives, or the
// client rejects the update and asks for a resync that fails the same way.
func TestEncodeUpdates_HashMatchesHTMLWithInvalidUTF8(t *testing.T) {
	html := "<p id=\"p\">caf\xe9 \xff\xfe ok</p>"
	in := []statetemplate.Update{
		{FragmentID: "p", Action: statetemplate.ActionReplace, HTML: html, HTMLHash: fragments.HashHTML(html)},
		{FragmentID: "q", Action: statetemplate.ActionRemove},
	}
	b, err := encodeUpdates(in)
	require.NoError(t, err)

	var out []statetemplate.Update
	require.NoError(t, json.Unmarshal(b, &out))
	require.Len(t, out, 2)
	assert.True(t, utf8.ValidString(out[0].HTML))
	assert.Equal(t, fragments.HashHTML(out[0].HTML), out[0].HTMLHash, "the hash of what the browser gets")
	assert.Contains(t, out[0].HTML, "ok</p>")
	assert.Equal(t, in[1], out[1])
	assert.Equal(t, html, in[0].HTML, "the caller's updates are not modified")
}
