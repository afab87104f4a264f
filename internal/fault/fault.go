// Package fault injects the failures of a real machine into tests: a disk
// that stops taking writes under an open file.
package fault

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// FailWrites makes every write to the open file at path fail with ENOSPC,
// as on a full disk: the process's descriptor of it is replaced by one of
// /dev/full. Reads through a memory map of the file (bbolt's) go on. The
// returned function puts the file back; it also runs when t ends. Linux
// only (/proc/self/fd, /dev/full).
func FailWrites(t testing.TB, path string) (restore func()) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("fault: %v", err)
	}
	fd := -1
	for _, e := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && target == abs {
			fd, _ = strconv.Atoi(e.Name())
		}
	}
	if fd < 0 {
		t.Fatalf("fault: no open descriptor of %s", abs)
	}
	orig, err := syscall.Dup(fd)
	if err != nil {
		t.Fatalf("fault: %v", err)
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("fault: %v", err)
	}
	if err := syscall.Dup3(int(full.Fd()), fd, 0); err != nil {
		t.Fatalf("fault: %v", err)
	}
	restored := false
	restore = func() {
		if restored {
			return
		}
		restored = true
		if err := syscall.Dup3(orig, fd, 0); err != nil {
			t.Errorf("fault: restoring %s: %v", abs, err)
		}
		_ = syscall.Close(orig)
		_ = full.Close()
	}
	t.Cleanup(restore)
	return restore
}

// EachByteChange calls fn with a copy of v changed in one byte, for every
// position and every other value of that byte: 255·len(v) calls, in
// order. fn must not keep changed, which the next call reuses.
func EachByteChange(v []byte, fn func(changed []byte, at int)) {
	changed := append([]byte(nil), v...)
	for i := range v {
		for b := range 256 {
			if byte(b) == v[i] {
				continue
			}
			changed[i] = byte(b)
			fn(changed, i)
		}
		changed[i] = v[i]
	}
}
