package statetemplate

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"testing"

	"github.com/livefir/statetemplate/internal/isolationtest"
	"github.com/stretchr/testify/require"
)

// news is shared by every session; items and the owner are a session's
// own. Owner is a marker unique to the session.
type isoPage struct {
	Owner string
	News  []string
	Items []string
}

var isoTmpl = `<!DOCTYPE html><html><body>
<h1 id="owner">{{.Owner}}</h1>
<section id="news">{{range .News}}
  <p id="news-{{.}}">{{.}}</p>{{end}}
</section>
<ul id="items">{{range .Items}}
  <li id="item-{{.}}">{{.}} of {{$.Owner}}</li>{{end}}
</ul>
</body></html>`

// TestFragmentCache_SharesPartsButNeverAnotherSessionsData runs many
// sessions at once under the race detector. Each round, every session
// gets the same news (rendered once and shared through the fragment
// cache) and items of its own. No page and no update of a session may
// carry another session's marker, and the cache must have served parts
// (else the test proves nothing).
func TestFragmentCache_SharesPartsButNeverAnotherSessionsData(t *testing.T) {
	const sessions, rounds = 200, 5
	r, err := New(template.Must(template.New("p").Parse(isoTmpl)))
	require.NoError(t, err)
	defer r.Close()
	require.NotNil(t, r.inc, "incremental rendering is on by default")
	require.NotNil(t, r.inc.parts, "and so is the fragment cache")
	ctx := context.Background()
	news := func(round int) []string {
		out := make([]string, 5)
		for i := range out {
			out[i] = fmt.Sprintf("n%d-%d", round, i)
		}
		return out
	}
	isolationtest.Run(t, sessions, func(marker string) error {
		d := &isoPage{Owner: marker, News: news(0), Items: []string{"a" + marker}}
		tok, err := r.CreateSession(ctx, d)
		if err != nil {
			return err
		}
		page, err := r.RenderPage(tok)
		if err != nil {
			return err
		}
		if err := isolationtest.Own(marker, "page", page); err != nil {
			return err
		}
		s, err := r.GetSession(tok)
		if err != nil {
			return err
		}
		defer s.Close()
		for round := 1; round <= rounds; round++ {
			d = &isoPage{Owner: marker, News: news(round), Items: append(d.Items, fmt.Sprintf("r%d%s", round, marker))}
			ups, err := s.RenderFragments(ctx, d)
			if err != nil {
				return err
			}
			var html strings.Builder
			for _, u := range ups {
				html.WriteString(u.HTML)
			}
			got := html.String()
			if !strings.Contains(got, fmt.Sprintf("n%d-0", round)) || !strings.Contains(got, fmt.Sprintf("r%d%s", round, marker)) {
				return fmt.Errorf("round %d of %s: updates lack its change: %q", round, marker, got)
			}
			if err := isolationtest.Own(marker, "update", got); err != nil {
				return err
			}
		}
		page, err = r.RenderPage(tok)
		if err != nil {
			return err
		}
		return isolationtest.Own(marker, "final page", page)
	})
	m := r.inc.parts.Metrics()
	require.Positive(t, m.Hits, "sessions shared rendered news parts: %+v", m)
}
