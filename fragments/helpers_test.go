package fragments

import (
	"bytes"

	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// tb is what the helpers need from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
}

func renderDash(t tb, d *fixture.DashboardData) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, fixture.Render(&buf, d))
	return buf.Bytes()
}

// requireApplies checks that ups turn oldPage into newPage.
func requireApplies(t tb, oldPage, newPage []byte, ups []Update) {
	t.Helper()
	got, err := applyUpdates(string(oldPage), ups)
	require.NoError(t, err)
	want, err := html.Parse(bytes.NewReader(newPage))
	require.NoError(t, err)
	require.Equal(t, normalBody(want), normalBody(got), "updates: %s", summary(ups))
}

// summary lists updates as "action id" or "action id>target".
func summary(ups []Update) []string {
	out := make([]string, len(ups))
	for i, u := range ups {
		s := u.Action + " " + u.FragmentID
		if u.TargetID != "" {
			s += ">" + u.TargetID
		}
		out[i] = s
	}
	return out
}

// withoutNoCache drops the replaces of the dashboard's data-cache="false"
// panels, which every changed render re-sends.
func withoutNoCache(ups []string) []string {
	var out []string
	for _, u := range ups {
		switch u {
		case "replace notifications-panel", "replace counter-section", "replace status-footer":
			continue
		}
		out = append(out, u)
	}
	return out
}

func mustDiff(t tb, prev *State, page []byte) ([]Update, *State) {
	t.Helper()
	ups, st, err := Diff(prev, page)
	require.NoError(t, err)
	require.NotNil(t, st)
	return ups, st
}
