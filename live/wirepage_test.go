package live

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestServedPages_KeepAPageUntilItsConnectionTakesIt(t *testing.T) {
	s := servedPages{bases: basesBudget{limit: DefaultPageBasesBytes}}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	s.put("a", "<p>a</p>", now)
	s.put("b", "<p>b</p>", now)
	assert.Equal(t, "<p>a</p>", s.take("a", now.Add(time.Second)))
	assert.Equal(t, "", s.take("a", now.Add(time.Second)), "taken once")
	assert.Equal(t, "", s.take("b", now.Add(servedFor+time.Second)), "too late")
	assert.Zero(t, s.bytes)
}

func TestServedPages_StayWithinTheirBytes(t *testing.T) {
	s := servedPages{bases: basesBudget{limit: DefaultPageBasesBytes}}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	page := strings.Repeat("x", maxPageBytes)
	n := maxServedBytes/maxPageBytes + 3
	for i := range n {
		s.put(string(rune('A'+i)), page, now)
	}
	assert.LessOrEqual(t, s.bytes, maxServedBytes)
	assert.Equal(t, "", s.take("A", now), "the oldest went first")
	assert.Equal(t, page, s.take(string(rune('A'+n-1)), now), "the newest is kept")
	s.put("big", page+"x", now)
	assert.Equal(t, "", s.take("big", now), "a page over maxPageBytes is not kept")
}
