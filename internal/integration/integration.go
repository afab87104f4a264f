// Package integration holds the one policy of the integration tests (Redis,
// the browser) for a missing dependency: with CI=true the test fails, so a
// CI run can never pass by skipping them; anywhere else it is skipped with
// a message that says how to provide the dependency.
package integration

import (
	"os"
	"testing"
)

// Missing fails t when CI=true and skips it otherwise, with msg.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " — required with CI=true")
	}
	t.Skip(msg)
}
