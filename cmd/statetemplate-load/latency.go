package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// maxSamples bounds a recorder's memory: beyond it, samples are kept by
// reservoir sampling, so percentiles stay unbiased estimates.
const maxSamples = 1 << 21

// recorder collects latency samples from many goroutines.
type recorder struct {
	mu      sync.Mutex
	samples []time.Duration
	seen    int64
	sum     time.Duration
	max     time.Duration
	limit   int
	rng     *rand.Rand
}

func newRecorder() *recorder { return newRecorderLimit(maxSamples) }

func newRecorderLimit(limit int) *recorder {
	return &recorder{limit: limit, rng: rand.New(rand.NewPCG(1, 2))}
}

// Record adds one sample.
func (r *recorder) Record(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen++
	r.sum += d
	r.max = max(r.max, d)
	if len(r.samples) < r.limit {
		r.samples = append(r.samples, d)
		return
	}
	if j := r.rng.Int64N(r.seen); j < int64(r.limit) {
		r.samples[j] = d
	}
}

// Reset forgets every sample.
func (r *recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = r.samples[:0]
	r.seen, r.sum, r.max = 0, 0, 0
}

// Summary returns the count, mean, max and percentiles recorded so far.
func (r *recorder) Summary() LatencySummary {
	r.mu.Lock()
	sorted := slices.Clone(r.samples)
	s := LatencySummary{Count: r.seen, Max: r.max}
	if r.seen > 0 {
		s.Mean = r.sum / time.Duration(r.seen)
	}
	r.mu.Unlock()
	slices.Sort(sorted)
	s.P50 = percentile(sorted, 50)
	s.P99 = percentile(sorted, 99)
	s.P999 = percentile(sorted, 99.9)
	return s
}

// LatencySummary describes a set of latency samples.
type LatencySummary struct {
	Count int64         `json:"count"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p999_ns"`
	Max   time.Duration `json:"max_ns"`
}

// percentile returns the nearest-rank p-th percentile of sorted (ascending):
// the smallest sample that at least p% of the samples do not exceed. An
// empty slice gives 0.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(n)/100 - 1e-9)) // the epsilon absorbs 99.9*1000/100 = 999.0000000000001
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}
