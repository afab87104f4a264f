package bolt

import (
	"fmt"
	"runtime/debug"

	"go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// bbolt trusts its file: a damaged page makes it panic, or fault reading
// its memory map. This store does not trust its file, so every transaction
// runs through safeView or safeUpdate, which turn both into an error
// wrapping ErrDamagedFile (and session.ErrStoreUnavailable) after bbolt
// has rolled the transaction back. Faults become panics for the calling
// goroutine only, for the transaction's length.

func safeView(db *bbolt.DB, path string, fn func(tx *bbolt.Tx) error) (err error) {
	defer recoverDamage(path, &err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return db.View(fn)
}

func safeUpdate(db *bbolt.DB, path string, fn func(tx *bbolt.Tx) error) (err error) {
	defer recoverDamage(path, &err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return db.Update(fn)
}

func recoverDamage(path string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s: %w: %v", session.ErrStoreUnavailable, path, ErrDamagedFile, r)
	}
}
