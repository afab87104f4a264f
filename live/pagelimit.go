package live

import (
	"log/slog"
	"sync"
	"time"
)

// maxTrackedAddrs bounds the addresses pageLimiter remembers: an attacker
// with many addresses must not grow it without limit. Past it, addresses
// whose bucket is full again are forgotten first, then arbitrary ones
// (which only makes the limit more lenient for them).
const maxTrackedAddrs = 1 << 16

// pageLimiter is a token bucket per client address for page loads. It is
// safe for concurrent use.
type pageLimiter struct {
	rate  float64
	burst int

	mu      sync.Mutex
	buckets map[string]*bucket

	warn *warnLimiter
}

func newPageLimiter(rate float64, burst int, logger *slog.Logger) *pageLimiter {
	return &pageLimiter{rate: rate, burst: burst, buckets: make(map[string]*bucket),
		warn: &warnLimiter{logger: logger, every: 10 * time.Second}}
}

// allow reports whether addr may load a page at now.
func (p *pageLimiter) allow(addr string, now time.Time) bool {
	if p.rate <= 0 {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.buckets[addr]
	if b == nil {
		if len(p.buckets) >= maxTrackedAddrs {
			p.forget(now)
		}
		b = newBucket(p.rate, p.burst)
		p.buckets[addr] = b
	}
	if b.allow(now) {
		return true
	}
	p.warn.add(now, "live: page loads refused by the per-address rate limit (WithPageRateLimit)", "addr", addr)
	return false
}

// forget drops buckets that have refilled, and if none has, an eighth of
// the map. p.mu must be held.
func (p *pageLimiter) forget(now time.Time) {
	n := 0
	for addr, b := range p.buckets {
		if b.full(now) {
			delete(p.buckets, addr)
			n++
		}
	}
	for addr := range p.buckets {
		if n >= maxTrackedAddrs/8 {
			break
		}
		delete(p.buckets, addr)
		n++
	}
}

// warnLimiter logs a recurring warning at most once per period, with the
// number of occurrences since the last line, so that a flood of refusals
// cannot flood the log.
type warnLimiter struct {
	logger *slog.Logger
	every  time.Duration

	mu    sync.Mutex
	last  time.Time
	count int
}

func (w *warnLimiter) add(now time.Time, msg string, args ...any) {
	w.mu.Lock()
	w.count++
	if now.Sub(w.last) < w.every {
		w.mu.Unlock()
		return
	}
	n := w.count
	w.last, w.count = now, 0
	w.mu.Unlock()
	w.logger.Warn(msg, append(args, "count", n)...)
}
