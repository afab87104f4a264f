package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sink keeps the test's allocations from being optimised away.
var sink [][]byte

func TestMemProfile_WritesThePhasesAllocationsAndItsBase(t *testing.T) {
	old := runtime.MemProfileRate
	t.Cleanup(func() { runtime.MemProfileRate = old })
	path := filepath.Join(t.TempDir(), "mem")
	var s server
	require.NoError(t, s.startProfile(profiles{mem: path, rate: 1}))
	assert.Equal(t, 1, runtime.MemProfileRate)
	require.Error(t, s.startProfile(profiles{mem: path + "2", rate: 1}), "one profile at a time")
	for range 100 {
		sink = append(sink, make([]byte, 64))
	}
	s.stopProfile()
	sink = nil
	for _, p := range []string{path + ".start", path} {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Greater(t, len(b), 2, p)
		assert.Equal(t, []byte{0x1f, 0x8b}, b[:2], "%s: a pprof profile is gzipped", p)
	}
	_, err := os.Stat(path + "2.start")
	assert.True(t, os.IsNotExist(err), "a refused start writes nothing")
}

func TestMemProfile_ARateThatIsNoNumberIsRefused(t *testing.T) {
	var s server
	for _, rate := range []string{"", "x", "0", "-3"} {
		q := url.Values{"mem": {filepath.Join(t.TempDir(), "mem")}, "memrate": {rate}}
		w := httptest.NewRecorder()
		s.profile(w, httptest.NewRequest(http.MethodPost, "/debug/loadprofile?"+q.Encode(), nil))
		assert.Equal(t, http.StatusBadRequest, w.Code, "rate %q", rate)
		assert.Empty(t, s.memPath)
	}
}

// The sampling rate is the phase's: the stop, or a start that failed,
// gives the server back the rate it had.
func TestMemProfile_TheRateIsThePhasesOnly(t *testing.T) {
	old := runtime.MemProfileRate
	t.Cleanup(func() { runtime.MemProfileRate = old })
	runtime.MemProfileRate = 12345
	var s server
	require.NoError(t, s.startProfile(profiles{mem: filepath.Join(t.TempDir(), "mem"), rate: 1}))
	assert.Equal(t, 1, runtime.MemProfileRate)
	s.stopProfile()
	assert.Equal(t, 12345, runtime.MemProfileRate, "after the stop")

	require.Error(t, s.startProfile(profiles{mem: filepath.Join(t.TempDir(), "no", "such", "dir", "mem"), rate: 1}))
	assert.Equal(t, 12345, runtime.MemProfileRate, "after a start that failed")
	require.NoError(t, s.startProfile(profiles{mem: filepath.Join(t.TempDir(), "mem"), rate: 2}), "and nothing is left running")
	s.stopProfile()
	assert.Equal(t, 12345, runtime.MemProfileRate)
}
