package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
)

// A flood of page loads that never open their WebSocket must write nothing
// to the session file: their sessions are provisional. The test runs a
// small flood always; STATETEMPLATE_FLOOD=20000 runs the full measurement
// of BENCHMARKS.md (bytes added, server RSS, a bystander's page loads).

func TestFlood_PageLoadsThatNeverConnectWriteNothing(t *testing.T) {
	n := 400
	if v := os.Getenv("STATETEMPLATE_FLOOD"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	for _, tc := range []struct {
		name     string
		pageRate string
	}{
		{"default limits", "20"},
		{"no page-load limit", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "sessions.db")
			addr := freeAddr(t)
			c := startChild(t, addr, db, "-page-rate", tc.pageRate)
			base := "http://" + addr + "/"
			before := fileBytes(t, db)
			rssBefore := rss(t, c.cmd.Process.Pid)

			calm := bystander(t, base, 3*time.Second)
			stop := make(chan struct{})
			busy := make(chan []time.Duration, 1)
			go func() { busy <- bystanderUntil(t, base, stop) }()
			limited := tc.pageRate != "0"
			start := time.Now()
			codes := flood(t, base, n, 16, limited)
			elapsed := time.Since(start)
			close(stop)
			during := <-busy

			rssAfter := rss(t, c.cmd.Process.Pid)
			c.stop(t) // flushes and closes the file
			sessions := storedSessions(t, db)
			assert.Zero(t, sessions, "no flooded page load left a session in the file")
			added := fileBytes(t, db) - before
			t.Logf("%s: %d page loads (%v), session file +%d bytes (%d sessions), server RSS %d -> %d MiB (+%d); "+
				"bystander page load p50/p99 %v/%v calm, %v/%v during the flood",
				tc.name, n, codes, added, sessions, rssBefore>>20, rssAfter>>20, (rssAfter-rssBefore)>>20,
				pct(calm, 50), pct(calm, 99), pct(during, 50), pct(during, 99))
			if limited {
				// The limit admits its burst (three seconds' worth, as the
				// server sets it), then its rate: however fast the machine
				// loaded the pages, no more than that got through.
				rate, err := strconv.ParseFloat(tc.pageRate, 64)
				require.NoError(t, err)
				admits := 3*rate + rate*elapsed.Seconds()
				assert.LessOrEqual(t, float64(codes[http.StatusOK]), admits+1,
					"page loads admitted in %v, against the limit's %v at once and %v a second", elapsed, 3*rate, rate)
				assert.Greater(t, codes[http.StatusTooManyRequests], 0, "the per-address limit refused the flood")
				assert.Equal(t, codes[http.StatusOK]+codes[http.StatusTooManyRequests], sum(codes), "every page load was admitted or refused: %v", codes)
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// flood loads the page n times from 127.0.0.1 with conc loaders, never
// opening the WebSocket, and counts the status codes. With untilRefused it
// goes on past n, up to 4n, until a load is refused: on a machine too
// slow to outpace the page-load limit, the flood still reaches it.
func flood(t *testing.T, base string, n, conc int, untilRefused bool) map[int]int {
	var next atomic.Int64
	var refused atomic.Bool
	more := func() bool {
		i := next.Add(1)
		return i <= int64(n) || untilRefused && !refused.Load() && i <= 4*int64(n)
	}
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: 30 * time.Second}
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for more() {
				resp, err := hc.Get(base)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusTooManyRequests {
					refused.Store(true)
				}
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return codes
}

// sum adds up the counts of codes.
func sum(codes map[int]int) int {
	n := 0
	for _, c := range codes {
		n += c
	}
	return n
}

// bystanderClient loads pages from 127.0.0.2, another client address than
// the flood's.
func bystanderClient() *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// bystander loads the page every 50 ms for d and returns the latencies.
func bystander(t *testing.T, base string, d time.Duration) []time.Duration {
	stop := make(chan struct{})
	time.AfterFunc(d, func() { close(stop) })
	return bystanderUntil(t, base, stop)
}

func bystanderUntil(t *testing.T, base string, stop chan struct{}) []time.Duration {
	hc := bystanderClient()
	var out []time.Duration
	for {
		select {
		case <-stop:
			return out
		case <-time.After(50 * time.Millisecond):
		}
		start := time.Now()
		resp, err := hc.Get(base)
		if err != nil {
			t.Error(err)
			return out
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			out = append(out, time.Since(start))
		}
	}
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(100 * time.Microsecond)
}

func fileBytes(t *testing.T, path string) int64 {
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Size()
}

// storedSessions counts the sessions in a closed session file.
func storedSessions(t *testing.T, path string) int {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer db.Close()
	n := 0
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte("sessions")); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	}))
	return n
}

// rss is a process's resident set size in bytes.
func rss(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}
