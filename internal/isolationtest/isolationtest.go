// Package isolationtest runs many sessions at once and checks that what
// each one gets names only its own owner: the harness of the tests that
// no session ever receives another session's data.
package isolationtest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Marker is the owner name of session i: text a session's data puts on
// its pages, "owner-0042." for the 42nd.
func Marker(i int) string { return fmt.Sprintf("owner-%04d.", i) }

// Own reports an error if text names any owner but marker; what says what
// the text is, for the message.
func Own(marker, what, text string) error {
	if n, mine := strings.Count(text, "owner-"), strings.Count(text, marker); n != mine {
		return fmt.Errorf("%s of %s names another session: %q", what, marker, text)
	}
	return nil
}

// Run runs session for the markers of n sessions, all started together on
// goroutines of their own, and fails t with each error they return.
func Run(t testing.TB, n int, session func(marker string) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs <- session(Marker(i))
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
