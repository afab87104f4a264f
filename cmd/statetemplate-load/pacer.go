package main

import "time"

// pacer spreads actions evenly at a fixed rate. It is open-loop: how many
// actions are due depends only on the time elapsed, never on how fast the
// server answered, so a slow server shows up as latency and misses, not
// as a quietly lower rate.
type pacer struct {
	start  time.Time
	rate   float64 // actions per second
	issued int64
	// maxBurst caps how many actions one call releases after a stall; the
	// rest are dropped and counted, rather than fired at once.
	maxBurst int64
	skipped  int64
}

func newPacer(start time.Time, rate float64) *pacer {
	burst := int64(rate / 20) // 50 ms worth
	return &pacer{start: start, rate: rate, maxBurst: max(burst, 1)}
}

// due returns how many actions to issue at now, and records them as issued.
func (p *pacer) due(now time.Time) int {
	elapsed := now.Sub(p.start)
	if elapsed < 0 {
		return 0
	}
	target := int64(elapsed.Seconds()*p.rate + 1e-6) // 1.001*1000 is 1000.9999999999999
	n := target - p.issued
	if n <= 0 {
		return 0
	}
	if n > p.maxBurst {
		p.skipped += n - p.maxBurst
		n = p.maxBurst
	}
	p.issued = target
	return int(n)
}

// dueBy is due at now, or at end when now is past it: what fell due
// before the end, released (up to the burst) by a caller that woke late.
func (p *pacer) dueBy(now, end time.Time) int {
	if now.After(end) {
		now = end
	}
	return p.due(now)
}

// next returns when the next action falls due.
func (p *pacer) next() time.Time {
	return p.start.Add(time.Duration(float64(p.issued+1) / p.rate * float64(time.Second)))
}
