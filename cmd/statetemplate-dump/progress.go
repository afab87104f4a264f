package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progressInterval bounds how often the progress line is redrawn.
const progressInterval = 200 * time.Millisecond

// progress draws one self-overwriting status line on stderr for a long
// operation. A nil *progress is valid and draws nothing, so callers need
// not check whether progress is enabled. It is not safe for concurrent use.
type progress struct {
	w     io.Writer
	label string
	unit  string
	total int64 // 0 when unknown
	now   func() time.Time
	last  time.Time
	drawn bool
}

// newProgress returns a progress line for label, or nil when disabled.
func newProgress(enabled bool, w io.Writer, now func() time.Time, label, unit string, total int64) *progress {
	if !enabled {
		return nil
	}
	return &progress{w: w, label: label, unit: unit, total: total, now: now}
}

// Update reports that done units of the total are complete. It redraws at
// most every progressInterval.
func (p *progress) Update(done int64) {
	if p == nil {
		return
	}
	t := p.now()
	if p.drawn && t.Sub(p.last) < progressInterval {
		return
	}
	p.last, p.drawn = t, true
	p.draw(done)
}

// Done draws the final count as complete and ends the line. (A total
// can be an estimate, such as the size of a compacted file.)
func (p *progress) Done(done int64) {
	if p == nil {
		return
	}
	if p.total > 0 {
		p.total = done
	}
	p.draw(done)
	fmt.Fprintln(p.w)
}

// Abort ends a drawn line, so that an error message starts on its own.
func (p *progress) Abort() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func (p *progress) draw(done int64) {
	unit := " " + p.unit
	if p.unit == "bytes" {
		unit = "" // humanBytes carries the unit
	}
	if p.total > 0 {
		pct := min(100*done/max(p.total, 1), 100)
		fmt.Fprintf(p.w, "\r%s: %s / %s%s (%d%%)\x1b[K", p.label, p.format(done), p.format(p.total), unit, pct)
		return
	}
	fmt.Fprintf(p.w, "\r%s: %s%s\x1b[K", p.label, p.format(done), unit)
}

func (p *progress) format(n int64) string {
	if p.unit == "bytes" {
		return humanBytes(n)
	}
	return fmt.Sprint(n)
}

// isTerminal reports whether f is a character device, such as a terminal.
// Progress is drawn only there (or with --progress), so that redirected
// stderr stays a clean log.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
