package resilient_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/storage/redis/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		redistest.StopShared()
		os.Exit(code)
	}))
}
