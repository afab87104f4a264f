package resilient

import (
	"log/slog"
	"time"
)

// Defaults of Config.
const (
	DefaultOpTimeout        = time.Second
	DefaultProbeInterval    = 500 * time.Millisecond
	DefaultFallbackSessions = 10_000
)

// Config tunes a Store. The zero value gives the defaults.
type Config struct {
	// OpTimeout bounds each call to the primary (the caller's ctx bounds it
	// too, when shorter). Count gets ten times as long, as it may scan.
	// Default DefaultOpTimeout.
	OpTimeout time.Duration
	// ProbeInterval is how often a degraded store checks whether the
	// primary is back. Default DefaultProbeInterval.
	ProbeInterval time.Duration
	// FallbackSessions caps the sessions the fallback holds during an
	// outage (least recently used evicted first). Default
	// DefaultFallbackSessions; negative means no cap.
	FallbackSessions int
	// Logger receives outage, recovery and discarded-write warnings.
	// Default: discard.
	Logger *slog.Logger
}

func (c *Config) fill() {
	if c.OpTimeout <= 0 {
		c.OpTimeout = DefaultOpTimeout
	}
	if c.ProbeInterval <= 0 {
		c.ProbeInterval = DefaultProbeInterval
	}
	if c.FallbackSessions == 0 {
		c.FallbackSessions = DefaultFallbackSessions
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}
