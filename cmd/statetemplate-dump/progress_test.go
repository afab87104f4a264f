package main

import (
	"strings"
	"testing"
	"time"

	"github.com/livefir/statetemplate/internal/testclock"
	"github.com/stretchr/testify/assert"
)

func TestProgress_RedrawsAtMostEveryIntervalAndEndsTheLine(t *testing.T) {
	var out strings.Builder
	clock := testclock.New(t0)
	p := newProgress(true, &out, clock.Now, "check", "sessions", 200)
	p.Update(10)
	p.Update(20) // same instant: not drawn
	clock.Advance(progressInterval)
	p.Update(100)
	p.Done(200)

	var est strings.Builder
	e := newProgress(true, &est, clock.Now, "compact", "bytes", 4096)
	e.Done(1024) // the total was an estimate: done is complete
	assert.Equal(t, "\rcompact: 1.0 KiB / 1.0 KiB (100%)\x1b[K\n", est.String())
	assert.Equal(t,
		"\rcheck: 10 / 200 sessions (5%)\x1b[K"+
			"\rcheck: 100 / 200 sessions (50%)\x1b[K"+
			"\rcheck: 200 / 200 sessions (100%)\x1b[K\n", out.String())
}

func TestProgress_UnknownTotalAndBytes(t *testing.T) {
	var out strings.Builder
	p := newProgress(true, &out, testclock.New(t0).Now, "copy", "bytes", 0)
	p.Update(3 << 20)
	p.Abort()
	assert.Equal(t, "\rcopy: 3.0 MiB\x1b[K\n", out.String())
}

func TestProgress_DisabledDrawsNothing(t *testing.T) {
	var out strings.Builder
	p := newProgress(false, &out, time.Now, "x", "sessions", 1)
	assert.Nil(t, p)
	p.Update(1) // a nil progress is valid
	p.Abort()
	p.Done(1)
	assert.Empty(t, out.String())

	var quiet strings.Builder
	newProgress(true, &quiet, time.Now, "x", "sessions", 1).Abort()
	assert.Empty(t, quiet.String(), "Abort before any draw prints nothing")
}

// TestProgress_OnlyOnATerminalOrWithTheFlag: by default (stderr not a
// terminal) no progress reaches stderr; --progress forces it.
func TestProgress_OnlyOnATerminalOrWithTheFlag(t *testing.T) {
	path := writeFixture(t, t.TempDir(), "sessions.db", fixtureRecords(t))
	quiet := runTool(t, t0, "list", path)
	assert.Empty(t, quiet.stderr)
	loud := runTool(t, t0, "list", "--progress", path)
	assert.Equal(t, quiet.stdout, loud.stdout, "progress never touches stdout")
	assert.Contains(t, loud.stderr, "list: 4 / 4 sessions (100%)")
}
