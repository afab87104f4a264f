package statetemplate_test

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"testing"

	"github.com/livefir/statetemplate/internal/isolationtest"
)

// TestIsolation_ThousandConcurrentSessionsNeverSeeEachOther runs 1,000
// sessions at once, each with its own marker in its data. Every page and
// every update a session produces must carry only its own marker.
func TestIsolation_ThousandConcurrentSessionsNeverSeeEachOther(t *testing.T) {
	const sessions, rounds = 1000, 4
	r := newRenderer(t)
	ctx := context.Background()

	isolationtest.Run(t, sessions, func(marker string) error {
		d := &page{Owner: marker, Items: []string{"x" + marker}}
		tok, err := r.CreateSession(ctx, d)
		if err != nil {
			return err
		}
		html, err := r.RenderPage(tok)
		if err != nil {
			return err
		}
		if !strings.Contains(html, marker) {
			return fmt.Errorf("page of %s lacks its marker", marker)
		}
		if err := isolationtest.Own(marker, "page", html); err != nil {
			return err
		}
		s, err := r.GetSession(tok)
		if err != nil {
			return err
		}
		defer s.Close()
		for round := range rounds {
			next := &page{Owner: marker, Count: round + 1, Items: append(d.Items, fmt.Sprintf("r%d%s", round, marker))}
			ups, err := s.RenderFragments(ctx, next)
			if err != nil {
				return err
			}
			got := updatesHTML(ups)
			if !strings.Contains(got, fmt.Sprintf("Count: %d<", round+1)) || !strings.Contains(got, marker) {
				return fmt.Errorf("round %d of %s: updates lack its change: %q", round, marker, got)
			}
			if err := isolationtest.Own(marker, "update", got); err != nil {
				return err
			}
			if s.Data().(*page).Owner != marker {
				return fmt.Errorf("Data of %s is %s's", marker, s.Data().(*page).Owner)
			}
			d = next
		}
		html, err = r.RenderPage(tok)
		if err != nil {
			return err
		}
		return isolationtest.Own(marker, "final page", html)
	})
}

// TestIsolation_SessionsOfAPushShareOnlyEqualPages runs 400 sessions at
// once in groups of ten that render the same data, round after round, as
// the tabs of a push do (and may take one another's render): the tenth of
// each group has its own owner, one byte from the group's. Every update a
// session gets names only the owner of its own data, and carries its
// round's change.
func TestIsolation_SessionsOfAPushShareOnlyEqualPages(t *testing.T) {
	const sessions, group, rounds = 400, 10, 6
	r := newRendererOf(t, template.Must(template.New("push").Parse(`<!DOCTYPE html><html><head><title>t</title></head><body>
<h1 id="owner">{{.Owner}}</h1>
<p id="count">Count: {{.Count}}</p>
<ul id="items">{{range .Items}}<li id="item-{{.}}">{{.}}</li>{{end}}</ul>
</body></html>`)))
	ctx := context.Background()

	isolationtest.Run(t, sessions, func(marker string) error {
		var i int
		if _, err := fmt.Sscanf(marker, "owner-%d.", &i); err != nil {
			return err
		}
		owner := isolationtest.Marker(i / group * group)
		if i%group == group-1 {
			owner = marker // "owner-0009." beside the group's "owner-0000."
		}
		d := &page{Owner: owner, Items: []string{"x" + owner}}
		tok, err := r.CreateSession(ctx, d)
		if err != nil {
			return err
		}
		if _, err := r.RenderPage(tok); err != nil {
			return err
		}
		s, err := r.GetSession(tok)
		if err != nil {
			return err
		}
		defer s.Close()
		for round := range rounds {
			next := &page{Owner: owner, Count: round + 1, Items: append(slices.Clone(d.Items), fmt.Sprintf("r%d%s", round, owner))}
			ups, err := s.RenderFragments(ctx, next)
			if err != nil {
				return err
			}
			got := updatesHTML(ups)
			if !strings.Contains(got, fmt.Sprintf("Count: %d<", round+1)) || !strings.Contains(got, fmt.Sprintf("r%d%s", round, owner)) {
				return fmt.Errorf("round %d of %s: updates lack its change: %q", round, marker, got)
			}
			if err := isolationtest.Own(owner, "update", got); err != nil {
				return err
			}
			d = next
		}
		html, err := r.RenderPage(tok)
		if err != nil {
			return err
		}
		return isolationtest.Own(owner, "final page", html)
	})
}
