package ticker

import (
	"testing"

	"github.com/livefir/statetemplate/internal/browsertest"
)

// TestMain stops the browser the browser tests share and checks for
// leaked goroutines.
func TestMain(m *testing.M) { browsertest.Main(m) }
