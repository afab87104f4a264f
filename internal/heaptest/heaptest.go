// Package heaptest measures the live heap for tests and benchmarks that
// compare what a value keeps alive, as a difference within one run.
package heaptest

import "runtime"

// Live returns the bytes live on the heap after two collections (the
// second frees what the first's finalizers and sweeps left).
func Live() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
