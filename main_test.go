package statetemplate_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Renderers start a sweeper and stores start flushers and health probes:
// every test must leave none of them running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
