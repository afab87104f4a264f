package main

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// round is one fan-out's written times, sorted.
type round []time.Duration

// quantile returns the q-quantile (0 ≤ q ≤ 1) of a sorted round: the time
// by which a fraction q of its frames were written.
func (r round) quantile(q float64) time.Duration {
	if len(r) == 0 {
		return 0
	}
	i := int(q * float64(len(r)))
	return r[min(max(i, 0), len(r)-1)]
}

// fanOut writes frame to every connection in conns from workers
// goroutines, and returns when each frame was written, from the start,
// sorted. A failed write ends the round with its error.
func fanOut(conns []net.Conn, frame []byte, workers int) (round, error) {
	written := make(round, len(conns))
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		errMu sync.Mutex
		errs  []error
	)
	start := time.Now()
	for range max(workers, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(conns) {
					return
				}
				if _, err := conns[i].Write(frame); err != nil {
					errMu.Lock()
					errs = append(errs, fmt.Errorf("fanoutfloor: writing to connection %d: %w", i, err))
					errMu.Unlock()
					return
				}
				written[i] = time.Since(start)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.Sort(written)
	return written, nil
}

// median returns the median of ds (which it sorts).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
