package genmap

import (
	"testing"

	"go.uber.org/goleak"
)

// The concurrency tests start goroutines: none may outlive its test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
