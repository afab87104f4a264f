package statetemplate_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/storage/redis/redistest"
)

// Renderers start a sweeper and stores start flushers and health probes:
// every test must leave none of them running. A Redis Cluster the tests
// started for themselves is stopped at the end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		redistest.StopShared()
		os.Exit(code)
	}))
}
