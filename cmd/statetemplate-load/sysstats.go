package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// ProcStats is a snapshot of one process's resource use.
type ProcStats struct {
	HeapAlloc  uint64        `json:"heap_alloc"` // live heap after a GC
	HeapSys    uint64        `json:"heap_sys"`
	RSS        uint64        `json:"rss"` // VmRSS, bytes
	UserCPU    time.Duration `json:"user_cpu_ns"`
	SysCPU     time.Duration `json:"sys_cpu_ns"`
	Goroutines int           `json:"goroutines"`
}

// CPU returns user plus system CPU time.
func (s ProcStats) CPU() time.Duration { return s.UserCPU + s.SysCPU }

// readProcStats measures this process. With gc it collects garbage twice
// first, so that HeapAlloc is the live heap.
func readProcStats(gc bool) ProcStats {
	if gc {
		runtime.GC()
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := ProcStats{HeapAlloc: ms.HeapAlloc, HeapSys: ms.HeapSys, Goroutines: runtime.NumGoroutine()}
	if f, err := os.Open("/proc/self/status"); err == nil {
		s.RSS, _ = parseVmRSS(f)
		f.Close()
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.UserCPU = time.Duration(ru.Utime.Nano())
		s.SysCPU = time.Duration(ru.Stime.Nano())
	}
	return s
}

var errNoVmRSS = errors.New("no VmRSS line")

// parseVmRSS reads the VmRSS line of a /proc/PID/status file, in bytes.
func parseVmRSS(r io.Reader) (uint64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, fmt.Errorf("malformed VmRSS line %q", sc.Text())
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed VmRSS line %q: %w", sc.Text(), err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errNoVmRSS
}

// raiseFileLimit makes sure the process may hold want open files, raising
// the hard limit too when it is lower (which needs root).
func raiseFileLimit(want uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("reading RLIMIT_NOFILE: %w", err)
	}
	if lim.Cur >= want {
		return nil
	}
	next := lim
	next.Cur = want
	if next.Max < want {
		next.Max = want
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err != nil {
		return fmt.Errorf("raising RLIMIT_NOFILE from %d (hard %d) to %d: %w (raising the hard limit needs CAP_SYS_RESOURCE; lower -conns, or use -server child, which splits the connection ends over two processes)", lim.Cur, lim.Max, want, err)
	}
	return nil
}

// loadAvg returns the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return "n/a"
	}
	return string(bytes.Join(f[:3], []byte(" ")))
}
