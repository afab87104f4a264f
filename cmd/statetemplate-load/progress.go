package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress shows what the run is doing on the terminal: one line
// rewritten in place on a TTY, a line every few seconds otherwise.
type progress struct {
	w      io.Writer
	tty    bool
	every  time.Duration
	start  time.Time
	mu     sync.Mutex
	phase  string
	total  int64
	done   atomic.Int64
	errs   atomic.Int64
	extra  func() string // optional detail, such as the latest p99
	last   int64
	lastAt time.Time
	stop   chan struct{}
	wg     sync.WaitGroup
	shown  bool
}

// progressMode is the -progress flag: auto, tty, lines or off.
func newProgress(w io.Writer, mode string) *progress {
	p := &progress{w: w, start: time.Now(), stop: make(chan struct{})}
	switch mode {
	case "off":
		p.w = nil
	case "tty":
		p.tty = true
	case "lines":
	default:
		p.tty = isTerminal(w)
	}
	p.every = 5 * time.Second
	if p.tty {
		p.every = 250 * time.Millisecond
	}
	p.wg.Add(1)
	go p.loop()
	return p
}

func isTerminal(w io.Writer) bool {
	if t, ok := w.(interface{ isTerminal() bool }); ok {
		return t.isTerminal()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Phase starts a new phase of total steps (0 when open-ended).
func (p *progress) Phase(name string, total int64, extra func() string) {
	p.mu.Lock()
	p.endLocked()
	p.phase, p.total, p.extra = name, total, extra
	p.done.Store(0)
	p.errs.Store(0)
	p.last, p.lastAt = 0, time.Now()
	p.mu.Unlock()
	p.show()
}

// Step counts n steps of the current phase done.
func (p *progress) Step(n int64) { p.done.Add(n) }

// Err counts a failed step.
func (p *progress) Err() { p.errs.Add(1) }

// Logf prints a message on its own line.
func (p *progress) Logf(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// Close stops the display, ending the current line.
func (p *progress) Close() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	p.endLocked()
	p.mu.Unlock()
}

func (p *progress) loop() {
	defer p.wg.Done()
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.show()
		}
	}
}

func (p *progress) show() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	line := p.lineLocked(time.Now())
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// endLocked ends the current phase: its final count, when it moved since
// the last line, then the end of the line a TTY refresh left open.
func (p *progress) endLocked() {
	if p.w != nil && p.phase != "" && p.done.Load() != p.last {
		line := p.lineLocked(time.Now())
		if p.tty {
			fmt.Fprintf(p.w, "\r\033[K%s", line)
			p.shown = true
		} else {
			fmt.Fprintln(p.w, line)
		}
	}
	p.flushLocked()
}

// flushLocked ends a line left open by a TTY refresh.
func (p *progress) flushLocked() {
	if p.tty && p.shown && p.w != nil {
		fmt.Fprintln(p.w)
		p.shown = false
	}
}

func (p *progress) lineLocked(now time.Time) string {
	done := p.done.Load()
	rate := 0.0
	if dt := now.Sub(p.lastAt).Seconds(); dt > 0 {
		rate = float64(done-p.last) / dt
	}
	p.last, p.lastAt = done, now
	line := fmt.Sprintf("[%6.1fs] %-24s %d", now.Sub(p.start).Seconds(), p.phase, done)
	if p.total > 0 {
		line += fmt.Sprintf("/%d", p.total)
	}
	line += fmt.Sprintf("  %.0f/s", rate)
	if e := p.errs.Load(); e > 0 {
		line += fmt.Sprintf("  errors %d", e)
	}
	if p.extra != nil {
		if x := p.extra(); x != "" {
			line += "  " + x
		}
	}
	return line
}
