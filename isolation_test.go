package statetemplate_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIsolation_ThousandConcurrentSessionsNeverSeeEachOther runs 1,000
// sessions at once, each with its own marker in its data. Every page and
// every update a session produces must carry only its own marker.
func TestIsolation_ThousandConcurrentSessionsNeverSeeEachOther(t *testing.T) {
	const sessions, rounds = 1000, 4
	r := newRenderer(t)
	ctx := context.Background()

	// own reports an error if text names any owner but marker.
	own := func(marker, what, text string) error {
		if n, mine := strings.Count(text, "owner-"), strings.Count(text, marker); n != mine {
			return fmt.Errorf("%s of %s names another session: %q", what, marker, text)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	start := make(chan struct{})
	for i := range sessions {
		wg.Go(func() {
			<-start
			errs <- func() error {
				marker := fmt.Sprintf("owner-%04d.", i)
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
				if err := own(marker, "page", html); err != nil {
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
					if err := own(marker, "update", got); err != nil {
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
				return own(marker, "final page", html)
			}()
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
