//go:build !linux

package main

import (
	"errors"
	"runtime"
)

// setNice is Linux's only: elsewhere a nice value is the process's, and
// the tool does not set it.
func setNice(int) error {
	return errors.New("-server-nice is not supported on " + runtime.GOOS)
}
