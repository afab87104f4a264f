package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPacer_ReleasesActionsInProportionToElapsedTime(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name  string
		rate  float64
		steps []time.Duration // elapsed at each call
		want  []int
	}{
		{"nothing is due at the start", 100, []time.Duration{0}, []int{0}},
		{"100/s releases one per 10ms", 100, []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond, 30 * time.Millisecond}, []int{1, 1, 0, 1}},
		{"a late call releases what accumulated", 1000, []time.Duration{10 * time.Millisecond}, []int{10}},
		{"time before the start releases nothing", 100, []time.Duration{-time.Second}, []int{0}},
		{"2000/s over one second releases 2000", 2000, []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond, time.Second}, []int{100, 100, 100, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer(t0, tt.rate)
			var got []int
			for _, s := range tt.steps {
				got = append(got, p.due(t0.Add(s)))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPacer_CapsTheBurstAfterAStallAndCountsTheRest(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := newPacer(t0, 1000) // burst cap: 50 ms worth, 50 actions
	assert.Equal(t, 50, p.due(t0.Add(time.Second)))
	assert.Equal(t, int64(950), p.skipped)
	assert.Equal(t, 1, p.due(t0.Add(time.Second+time.Millisecond)), "the schedule resumes at the rate, not with the backlog")
}

func TestPacer_DueByReleasesWhatFellDueBeforeTheEndToALateCaller(t *testing.T) {
	t0 := time.Unix(1000, 0)
	end := t0.Add(time.Second)

	p := newPacer(t0, 10) // burst cap: 1
	assert.Equal(t, 1, p.dueBy(t0.Add(3*time.Second), end), "a caller that slept past the end still publishes")
	assert.Equal(t, int64(9), p.skipped, "the other ticks due by the end are counted as missed, none after it")

	p = newPacer(t0, 10)
	assert.Equal(t, 1, p.dueBy(t0.Add(150*time.Millisecond), end), "before the end, dueBy is due")
	assert.Zero(t, p.dueBy(end.Add(time.Hour), t0.Add(150*time.Millisecond)), "nothing more due by an end already reached")
}

func TestPacer_NextIsTheNextDueInstant(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := newPacer(t0, 200)
	assert.Equal(t, t0.Add(5*time.Millisecond), p.next())
	p.due(t0.Add(12 * time.Millisecond))
	assert.Equal(t, t0.Add(15*time.Millisecond), p.next())
}

func BenchmarkPacer_Due(b *testing.B) {
	t0 := time.Now()
	p := newPacer(t0, 1e6)
	for i := range b.N {
		p.due(t0.Add(time.Duration(i) * time.Microsecond))
	}
}
