package main

import (
	"context"
	"encoding/json"
	"html/template"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/livefir/statetemplate"
	"github.com/livefir/statetemplate/internal/testclock"
)

var dashboardPage = template.Must(template.New("page").Parse(`<body>
<h1 id="title">{{.Title}}</h1>
<span id="counter">{{.Counter}}</span>
<ul id="task-list">{{range .Tasks}}<li id="{{.ID}}">{{.Title}}</li>{{end}}</ul>
</body>`))

// TestRendererFile_ToolShowsWhatTheRendererStored goes through the public
// API: a renderer with the bolt store and a fixed clock creates a session
// and renders an update; after it closes, the tool shows the updated data,
// the fragment ids of the real fragment engine, and a clean check.
func TestRendererFile_ToolShowsWhatTheRendererStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	clock := testclock.New(t0)
	r, err := statetemplate.New(dashboardPage,
		statetemplate.WithBoltStore(path),
		statetemplate.WithDataTypes(&testDashboard{}),
		statetemplate.WithClock(clock.Now))
	require.NoError(t, err)
	ctx := context.Background()
	data := fixtureDashboard()
	tok, err := r.CreateSession(ctx, data)
	require.NoError(t, err)
	_, err = r.RenderPage(tok)
	require.NoError(t, err)
	clock.Advance(time.Minute)
	s, err := r.GetSession(tok)
	require.NoError(t, err)
	data.Counter = 43
	updates, err := s.RenderFragments(ctx, data)
	require.NoError(t, err)
	require.NotEmpty(t, updates)
	id := s.ID()
	require.NoError(t, s.Close())
	require.NoError(t, r.Close())

	now := clock.Now()
	show := runTool(t, now, "show", path, id[:8])
	require.Equal(t, exitOK, show.code, show.stderr)
	var d struct {
		ID         string         `json:"id"`
		DataType   string         `json:"data_type"`
		LastAccess string         `json:"last_access"`
		Rev        uint64         `json:"rev"`
		Data       map[string]any `json:"data"`
		Fragments  fragmentsView  `json:"fragments"`
	}
	require.NoError(t, json.Unmarshal([]byte(show.stdout), &d))
	assert.Equal(t, id, d.ID)
	assert.Equal(t, "*github.com/livefir/statetemplate/cmd/statetemplate-dump.testDashboard", d.DataType)
	assert.Greater(t, d.Rev, uint64(1), "the update was stored")
	assert.EqualValues(t, 43, d.Data["Counter"])
	assert.Equal(t, "Quarterly-Report-Zephyr", d.Data["Title"])
	var ids []string
	for _, f := range d.Fragments.List {
		ids = append(ids, f.ID)
		assert.Len(t, f.Hash, 16)
		assert.Len(t, f.Tag, 16, "a state of this build hashes the start tag apart")
	}
	assert.Equal(t, []string{"title", "counter", "task-list", "task-7731", "task-7732"}, ids)

	list := runTool(t, now, "list", path)
	require.Equal(t, exitOK, list.code, list.stderr)
	assert.Contains(t, list.stdout, id[:8]+"  2026-01-02T03:04:05Z  2026-01-02T03:05:05Z  2026-01-03T03:04:05Z  live")
	assert.Regexp(t, `live +\d+ +5  \*github.com/livefir/statetemplate/cmd/statetemplate-dump.testDashboard`, list.stdout)

	chk := runTool(t, now, "check", path)
	assert.Equal(t, exitOK, chk.code, chk.stdout)
	assert.Equal(t, "ok: 1 sessions, 1 index entries, no problems\n", chk.stdout)

	stats := runTool(t, now, "stats", path)
	require.Equal(t, exitOK, stats.code, stats.stderr)
	assert.Contains(t, stats.stdout, "sessions:         1: 1 live, 0 expired (not yet swept), 0 corrupt")
	assert.Contains(t, stats.stdout, "(the file keeps the token signing key)", "no WithSecurity: the key is in the file")
}
