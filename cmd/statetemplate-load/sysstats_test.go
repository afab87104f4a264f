package main

import (
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    uint64
		wantErr bool
	}{
		{"kilobytes to bytes", "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t   1234 kB\nThreads:\t5\n", 1234 * 1024, false},
		{"missing line", "Name:\tx\nThreads:\t5\n", 0, true},
		{"unexpected unit", "VmRSS:\t 12 MB\n", 0, true},
		{"not a number", "VmRSS:\t twelve kB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmRSS(strings.NewReader(tt.status))
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadProcStats_MeasuresThisProcess(t *testing.T) {
	s := readProcStats(true)
	assert.Positive(t, s.HeapAlloc)
	assert.Positive(t, s.RSS, "VmRSS read from /proc/self/status")
	assert.Positive(t, s.CPU(), "getrusage counts the CPU this test used")
	assert.Positive(t, s.Goroutines)
}

func TestRaiseFileLimit_KeepsAHigherLimit(t *testing.T) {
	var before syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &before))
	require.NoError(t, raiseFileLimit(before.Cur/2+1))
	var after syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &after))
	assert.Equal(t, before, after, "a limit already high enough is left alone")
}

func TestLoadAvg_HasThreeFields(t *testing.T) {
	assert.Len(t, strings.Fields(loadAvg()), 3)
}
