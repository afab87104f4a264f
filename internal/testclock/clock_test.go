package testclock

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestClock_ReadsItsTimeUntilAdvanced(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	c := New(start)
	assert.Equal(t, start, c.Now())
	assert.Equal(t, start, c.Now(), "time does not move by itself")
	c.Advance(90 * time.Second)
	assert.Equal(t, start.Add(90*time.Second), c.Now())
}
