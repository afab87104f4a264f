package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgress_LinesModePrintsWholeLines(t *testing.T) {
	var out syncBuffer
	p := newProgress(&out, "lines")
	p.Phase("bolt/fragments: sessions", 100, func() string { return "extra" })
	p.Step(40)
	p.Err()
	p.show()
	p.Logf("note %d", 7)
	p.Close()
	s := out.String()
	assert.NotContains(t, s, "\r", "no carriage returns when not on a terminal")
	assert.Contains(t, s, "bolt/fragments: sessions")
	assert.Contains(t, s, "40/100")
	assert.Contains(t, s, "errors 1")
	assert.Contains(t, s, "extra")
	assert.Contains(t, s, "note 7\n")
}

func TestProgress_APhaseEndsWithItsFinalCount(t *testing.T) {
	for _, mode := range []string{"lines", "tty"} {
		t.Run(mode, func(t *testing.T) {
			var out syncBuffer
			p := newProgress(&out, mode)
			p.Phase("bolt/ticker×1@5/s: measuring", 150, nil)
			p.Step(150) // no refresh in between: the phase is shorter than one
			p.Phase("bolt/ticker×1@1/s: measuring", 30, nil)
			p.Step(12)
			p.Close()
			s := out.String()
			assert.Contains(t, s, "5/s: measuring")
			assert.Contains(t, s, "150/150", "the first phase's final count")
			assert.Contains(t, s, "12/30", "the last phase's count at Close")
		})
	}
}

func TestProgress_TTYModeRewritesOneLine(t *testing.T) {
	var out syncBuffer
	p := newProgress(&out, "tty")
	p.Phase("memory/fragments: measuring", 0, nil)
	p.Step(5)
	p.show()
	p.Close()
	s := out.String()
	assert.Contains(t, s, "\r\033[K")
	assert.True(t, strings.HasSuffix(s, "\n"), "Close ends the rewritten line")
	assert.Equal(t, 1, strings.Count(s, "\n"), "one phase, one line")
}

func TestProgress_OffPrintsNothing(t *testing.T) {
	var out syncBuffer
	p := newProgress(&out, "off")
	p.Phase("x", 1, nil)
	p.Step(1)
	p.Logf("hello")
	p.Close()
	assert.Empty(t, out.String())
}
