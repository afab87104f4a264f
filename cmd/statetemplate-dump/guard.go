package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/livefir/statetemplate/storage/bolt"
)

// errDamaged marks a read that bbolt could not complete because the file's
// pages are damaged: a panic inside bbolt, a memory fault on the mapped
// file, or a walk that did not finish.
var errDamaged = errors.New("the file's page structure is damaged")

// errStuck marks a walk that did not finish in its time limit. It wraps
// errDamaged; its goroutine still holds a read transaction.
var errStuck = fmt.Errorf("%w: reading did not finish (a cycle of pages?)", errDamaged)

// guarded runs fn, a read of the file, on its own goroutine and turns what
// a damaged file can do to bbolt into an error wrapping errDamaged:
//   - a panic (bbolt asserts on pages it does not recognise; a corrupt
//     offset slices out of range) is recovered;
//   - a memory fault on the mapped file (a page pointer past the end) is
//     made a panic by debug.SetPanicOnFault, then recovered;
//   - a walk caught in a cycle of pages never returns: after limit, guarded
//     returns and leaves the goroutine behind. The caller is a command
//     that reports and exits, so the goroutine dies with the process.
func guarded(limit time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true)
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("%w: bbolt: %v", errDamaged, r)
			}
		}()
		err := fn()
		if errors.Is(err, bolt.ErrDamagedFile) { // the store recovered bbolt's panic itself
			err = fmt.Errorf("%w: bbolt: %w", errDamaged, err)
		}
		done <- err
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("%w: gave up after %v", errStuck, limit)
	}
}

// walkLimit is how long a whole-file walk may take before guarded gives
// up: generous for the file's size, so that only a stuck walk hits it.
func walkLimit(fileSize int64) time.Duration {
	const minLimit = 60 * time.Second
	const bytesPerSecond = 4 << 20 // far below any disk, decode included
	return minLimit + time.Duration(fileSize/bytesPerSecond)*time.Second
}

// fileSize returns path's size, or 0 when it cannot be read.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
