package memory_test

import (
	"testing"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/session/storetest"
	"github.com/livefir/statetemplate/storage/memory"
)

func TestStore_Contract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store { return memory.New(-1) })
}

func TestStore_ContractWithSessionLimit(t *testing.T) {
	// A limit above what any case stores must not change behaviour.
	storetest.Run(t, func(t *testing.T) session.Store { return memory.New(1000) })
}
