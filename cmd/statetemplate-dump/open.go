package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/livefir/statetemplate/storage/bolt"
)

// inUseHelp says what to do when a running server holds the file. The
// server's lock is exclusive, so no reader can open the file until it
// stops; its hot backup is the consistent way to look inside meanwhile.
const inUseHelp = `  A running server holds this file's lock, and the file cannot be read
  consistently from outside while it runs. Take a snapshot with the server's hot
  backup — the renderer's Backup(w) (statetemplate.Renderer.Backup), typically
  served by an admin-only HTTP handler, e.g.
      curl -o snapshot.db https://app.internal/admin/sessions.db
  — and run this command on snapshot.db. Or stop the server first.`

// openRead opens path read-only. On failure it reports the error and
// returns ok false and the exit code.
func (a *app) openRead(cmd *command, path string) (*bolt.Store, int, bool) {
	if err := requireFile(path); err != nil {
		a.errorf(cmd, "%v", err)
		return nil, exitUsage, false
	}
	st, err := bolt.OpenReadOnly(path, a.lockTimeout)
	if err != nil {
		return nil, a.openFailed(cmd, path, err), false
	}
	return st, exitOK, true
}

// openWrite opens path for writing, for purge and compact --in-place.
func (a *app) openWrite(cmd *command, path string) (*bolt.Store, int, bool) {
	if err := requireFile(path); err != nil {
		a.errorf(cmd, "%v", err)
		return nil, exitUsage, false
	}
	st, err := bolt.Open(path, bolt.WithOpenTimeout(a.lockTimeout), bolt.WithClock(a.now))
	if err != nil {
		return nil, a.openFailed(cmd, path, err), false
	}
	return st, exitOK, true
}

// requireFile refuses a path that is not an existing regular file: the
// writable open would otherwise create an empty session file.
func requireFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	return nil
}

func (a *app) openFailed(cmd *command, path string, err error) int {
	if errors.Is(err, bolt.ErrFileInUse) {
		a.errorf(cmd, "%s is in use by a running process (waited %v for its lock)\n%s", path, a.lockTimeout, inUseHelp)
		return exitUsage
	}
	a.errorf(cmd, "cannot open %s: %v", path, err)
	return exitUsage
}
