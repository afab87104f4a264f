package serialize_test

import (
	"testing"

	"github.com/livefir/statetemplate/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }
