package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// setNice gives every thread of this process the nice value n. Linux
// keeps a nice value per thread, and a new thread takes its creator's: the
// runtime's threads are set one by one, twice, so that a thread the
// runtime started during the first pass is set by the second. Every thread
// started afterwards is cloned from one already set.
func setNice(n int) error {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("thread %d: %w", tid, err)
			}
		}
	}
	return nil
}
