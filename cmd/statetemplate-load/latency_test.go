package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func seq(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = ms(i + 1)
	}
	return out
}

func TestPercentile_NearestRank(t *testing.T) {
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty gives zero", nil, 50, 0},
		{"single sample is every percentile", []time.Duration{ms(7)}, 99.9, ms(7)},
		{"p50 of 1..100 is 50", seq(100), 50, ms(50)},
		{"p99 of 1..100 is 99", seq(100), 99, ms(99)},
		{"p99.9 of 1..100 is the maximum", seq(100), 99.9, ms(100)},
		{"p99.9 of 1..1000 is 999", seq(1000), 99.9, ms(999)},
		{"p50 of two rounds down to the first", []time.Duration{ms(1), ms(9)}, 50, ms(1)},
		{"p0 is the minimum", seq(10), 0, ms(1)},
		{"p100 is the maximum", seq(10), 100, ms(10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, percentile(tt.sorted, tt.p))
		})
	}
}

func TestRecorder_SummaryOfUnorderedSamples(t *testing.T) {
	r := newRecorder()
	for _, d := range []time.Duration{ms(5), ms(1), ms(4), ms(2), ms(3)} {
		r.Record(d)
	}
	s := r.Summary()
	assert.Equal(t, int64(5), s.Count)
	assert.Equal(t, ms(3), s.Mean)
	assert.Equal(t, ms(3), s.P50)
	assert.Equal(t, ms(5), s.P99)
	assert.Equal(t, ms(5), s.Max)
}

func TestRecorder_KeepsAtMostLimitSamplesButCountsAll(t *testing.T) {
	r := newRecorderLimit(100)
	for i := range 10_000 {
		r.Record(time.Duration(i+1) * time.Microsecond)
	}
	s := r.Summary()
	require.Len(t, r.samples, 100)
	assert.Equal(t, int64(10_000), s.Count)
	assert.Equal(t, 10*time.Millisecond, s.Max, "the maximum is exact, not sampled")
	// A uniform reservoir of 1..10,000 µs: the median lands near 5 ms.
	assert.InDelta(t, float64(5*time.Millisecond), float64(s.P50), float64(1500*time.Microsecond))
}

func TestRecorder_ResetForgetsSamples(t *testing.T) {
	r := newRecorder()
	r.Record(ms(3))
	r.Reset()
	assert.Equal(t, LatencySummary{}, r.Summary())
	r.Record(ms(1))
	assert.Equal(t, ms(1), r.Summary().P99)
}

func BenchmarkRecorder_Record(b *testing.B) {
	r := newRecorder()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(time.Millisecond)
		}
	})
}
