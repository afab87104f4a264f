package main

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate/session"
)

// Go strings are byte strings, and the renderer stores them as they are:
// check must not call such a record corrupt, and show and export print it
// as valid JSON, keys that differ only in their invalid bytes kept apart.
func TestInvalidUTF8_IsNotCorruptAndShowsAsValidJSON(t *testing.T) {
	data := map[string]string{"k\xff": "v\xfe", "k\xfe": "w", "name": "\xff\xfe"}
	enc, err := session.EncodeData(data)
	require.NoError(t, err)
	rec := &session.Record{
		Format: session.FormatVersion, ID: mustID(t, idCounter), Rev: 1,
		Created: t0, LastAccess: t0, ExpiresAt: t0.Add(time.Hour),
		DataType: session.TypeName(data), Data: enc,
	}
	path := writeFixture(t, t.TempDir(), "sessions.db", []*session.Record{rec})

	r := runToolWith(t, func(a *app) { a.skipPageCheck = true }, t0, "check", path)
	require.Equal(t, exitOK, r.code, "stdout %s stderr %s", r.stdout, r.stderr)

	for _, args := range [][]string{{"show", path, idCounter}, {"export", path}} {
		r = runTool(t, t0, args...)
		require.Equal(t, exitOK, r.code, "%v: %s", args, r.stderr)
		require.True(t, utf8.ValidString(r.stdout), "%v prints invalid UTF-8", args)
		var out struct {
			Data map[string]string `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), "%v: %s", args, r.stdout)
		assert.Len(t, out.Data, 3, "%v: keys that differ only in invalid bytes stay apart", args)
		assert.Equal(t, "\uFFFD\uFFFD", out.Data["name"], "%v", args)
	}
}
