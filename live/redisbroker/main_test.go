package redisbroker_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/livefir/statetemplate/storage/redis/redistest"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		redistest.StopShared()
		os.Exit(code)
	}))
}
