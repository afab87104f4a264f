package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pairs returns n connected loopback TCP pairs: the server's ends and the
// readers'.
func pairs(t *testing.T, n int) (server, reader []net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	for range n {
		r, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		s, err := ln.Accept()
		require.NoError(t, err)
		server, reader = append(server, s), append(reader, r)
	}
	t.Cleanup(func() {
		for _, c := range append(server, reader...) {
			c.Close()
		}
	})
	return server, reader
}

func TestFanOut_WritesTheFrameToEveryConnectionOnceAndSortsTheTimes(t *testing.T) {
	server, reader := pairs(t, 20)
	frame := []byte("0123456789abcdef")

	r, err := fanOut(server, frame, 3)
	require.NoError(t, err)

	require.Len(t, r, 20)
	assert.IsNonDecreasing(t, []time.Duration(r))
	assert.Positive(t, r[0])
	for i, c := range reader {
		got := make([]byte, len(frame))
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err := io.ReadFull(c, got)
		require.NoError(t, err, "connection %d", i)
		assert.Equal(t, frame, got, "connection %d", i)
	}
}

func TestFanOut_ReportsAFailedWrite(t *testing.T) {
	server, _ := pairs(t, 4)
	require.NoError(t, server[2].Close())

	_, err := fanOut(server, []byte("x"), 2)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection 2")
	assert.ErrorIs(t, err, net.ErrClosed)
}

func TestRound_Quantile(t *testing.T) {
	r := round{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	assert.Equal(t, time.Duration(6), r.quantile(0.5))
	assert.Equal(t, time.Duration(10), r.quantile(0.99))
	assert.Equal(t, time.Duration(10), r.quantile(1))
	assert.Equal(t, time.Duration(1), r.quantile(0))
	assert.Zero(t, round{}.quantile(0.5))
}

func TestMedian(t *testing.T) {
	assert.Equal(t, time.Duration(3), median([]time.Duration{5, 1, 3}))
	assert.Zero(t, median(nil))
}

func TestParseFlags_RejectsNonPositiveCounts(t *testing.T) {
	for _, args := range [][]string{{"-conns", "0"}, {"-rounds", "0"}, {"-bytes", "-1"}} {
		_, err := parseFlags(args, io.Discard)
		assert.Error(t, err, "%v", args)
	}
	c, err := parseFlags([]string{"-conns", "7", "-reader-nice", "19"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 7, c.conns)
	assert.Equal(t, 19, c.readerNice)
}

func TestReadAll_ReadsEveryConnectionUntilItCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var (
		out  bytes.Buffer
		done = make(chan error, 1)
		wg   sync.WaitGroup
	)
	wg.Go(func() { done <- readAll(context.Background(), ln.Addr().String(), 3, &out) })
	conns, err := acceptN(ln, 3)
	require.NoError(t, err)
	for _, c := range conns {
		_, err := c.Write([]byte("frame"))
		require.NoError(t, err)
	}
	select {
	case err := <-done:
		t.Fatalf("readAll returned before its connections closed: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	for _, c := range conns {
		require.NoError(t, c.Close())
	}
	require.NoError(t, <-done)
	wg.Wait()
	assert.Equal(t, "ready\n", out.String())
}
