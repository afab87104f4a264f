package statetemplate_test

import (
	"context"
	"fmt"
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
