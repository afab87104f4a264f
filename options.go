package statetemplate

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/livefir/statetemplate/session"
	"github.com/livefir/statetemplate/storage/memory"
)

var errInvalidOption = errors.New("statetemplate: invalid option")

// config collects what the options set; New turns it into a Renderer.
type config struct {
	expiration        time.Duration
	idleTimeout       time.Duration
	cleanupInterval   time.Duration
	idleCompaction    time.Duration // 0: the default; negative: off
	maxSessions       int
	maxSessionsSet    bool
	keys              [][]byte
	store             session.Store
	openStore         func(*config) (session.Store, error)
	dataTypes         []any
	logger            *slog.Logger
	now               func() time.Time
	cache             session.Cache
	renderCacheBudget int64
	cacheBudget       int64 // WithCacheBudget; 0 means cache.DefaultSessionsBudget
	maxDataBytes      int
	provisionalTTL    time.Duration
	provisionalBudget int64
	// Incremental rendering (options_render.go).
	fullRendering       bool
	volatile            []string
	fragmentCacheBudget int64
	fragmentCacheSet    bool
	dataChanged         bool
}

// DefaultMaxDataBytes is the default of WithMaxDataBytes: 1 MiB.
const DefaultMaxDataBytes = 1 << 20

// Option configures a Renderer. Options that cannot apply their value make
// New return an error wrapping ErrInvalidOption.
type Option func(*config) error

// WithExpiration sets the absolute lifetime of sessions (default 24h).
// A single session can override it with SessionExpiration.
func WithExpiration(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: WithExpiration(%v): must be positive", errInvalidOption, d)
		}
		c.expiration = d
		return nil
	}
}

// WithIdleTimeout ends sessions that are not used for d (default: never).
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: WithIdleTimeout(%v): must not be negative", errInvalidOption, d)
		}
		c.idleTimeout = d
		return nil
	}
}

// WithSecurity sets the token signing key and, for rotation, the keys it
// replaces, newest first. Tokens sealed with any of them open; new tokens
// use current. Each key must be at least 32 bytes of secret.
//
// Without WithSecurity, the memory store uses a random per-process key
// (tokens end with the process, as the sessions do) and durable stores
// keep a generated key in the store so tokens survive restarts.
func WithSecurity(current []byte, previous ...[]byte) Option {
	return func(c *config) error {
		c.keys = append([][]byte{current}, previous...)
		return nil
	}
}

// WithMaxSessions caps the number of sessions. The default memory store
// evicts its least recently used session to stay under the cap (default
// 10,000). Every other store — durable or given to WithCustomStore —
// refuses new sessions past the cap with ErrMaxSessionsReached, and has no
// cap unless this option is given.
func WithMaxSessions(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: WithMaxSessions(%d): must be positive", errInvalidOption, n)
		}
		c.maxSessions, c.maxSessionsSet = n, true
		return nil
	}
}

// WithMemoryStore keeps sessions in process memory (the default).
func WithMemoryStore() Option {
	return func(c *config) error {
		c.store, c.openStore = nil, nil
		return nil
	}
}

// WithCustomStore persists sessions in s. The Renderer closes s on Close.
func WithCustomStore(s session.Store) Option {
	return func(c *config) error {
		if s == nil {
			return fmt.Errorf("%w: WithCustomStore(nil)", errInvalidOption)
		}
		c.store, c.openStore = s, nil
		return nil
	}
}

// WithCleanupInterval sets how often expired sessions are swept (default
// 5 minutes).
func WithCleanupInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: WithCleanupInterval(%v): must be positive", errInvalidOption, d)
		}
		c.cleanupInterval = d
		return nil
	}
}

// DefaultIdleCompaction is WithIdleCompaction's default delay.
const DefaultIdleCompaction = session.DefaultIdleCompaction

// WithIdleCompaction sets how long a session goes unused before it is kept
// compacted (default 1 minute; 0 turns compaction off). A compacted
// session holds its data snapshot and the fragment state of its page
// compressed, and no incremental-rendering memo: for the reference
// dashboard, 3.4 KB instead of 28 KB. Its next use restores them exactly,
// and that one update renders the whole page, as WithFullRendering does
// (about twice a plain Execute of the template); the updates after it
// cost what they did before. A session is compacted in its open handle too (a
// connected page that has been quiet), and, with the memory store, in
// the store.
func WithIdleCompaction(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: WithIdleCompaction(%v): must not be negative", errInvalidOption, d)
		}
		c.idleCompaction = d
		if d == 0 {
			c.idleCompaction = -1
		}
		return nil
	}
}

// WithDataTypes registers the concrete types of session data, so that a
// durable store can restore them: pass one sample of each, such as
// WithDataTypes(&DashboardData{}).
func WithDataTypes(samples ...any) Option {
	return func(c *config) error {
		c.dataTypes = append(c.dataTypes, samples...)
		return nil
	}
}

// WithLogger sets the logger for failures such as corrupt records, store
// writes and sweeps that fail. The default is slog.Default(); failures are
// logged at warning level and normal events at debug level, so that a
// default logger shows only what needs attention.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithMaxDataBytes limits session data to n bytes of canonical encoding
// (default DefaultMaxDataBytes, 1 MiB). CreateSession and RenderFragments
// refuse larger data with ErrDataTooLarge, before anything is stored: data
// often holds what a browser sent, and a session must not become a way to
// fill the server's memory or disk.
func WithMaxDataBytes(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: WithMaxDataBytes(%d): must be positive", errInvalidOption, n)
		}
		c.maxDataBytes = n
		return nil
	}
}

// WithProvisionalSessions sets how long a provisional session (see
// Provisional) waits in memory for its page to connect, and the memory
// budget in bytes of all of them together: past it the oldest are dropped.
// Defaults: 2 minutes and 16 MiB (about 2,500 pages of the 2-task dashboard).
func WithProvisionalSessions(ttl time.Duration, budget int64) Option {
	return func(c *config) error {
		if ttl <= 0 || budget <= 0 {
			return fmt.Errorf("%w: WithProvisionalSessions(%v, %d): both must be positive", errInvalidOption, ttl, budget)
		}
		c.provisionalTTL, c.provisionalBudget = ttl, budget
		return nil
	}
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		c.now = now
		return nil
	}
}

func (c *config) defaultStore() session.Store {
	max := memory.DefaultMaxSessions
	if c.maxSessionsSet {
		max = c.maxSessions
	}
	s := memory.New(max)
	s.Now = c.now
	return s
}

// SessionOption configures one session in CreateSession.
type SessionOption func(*session.CreateOptions)

// SessionExpiration overrides WithExpiration for one session. (The design
// calls it WithExpiration too; Go cannot have both names.)
func SessionExpiration(d time.Duration) SessionOption {
	return func(o *session.CreateOptions) { o.Expiration = d }
}

// SessionTemplate makes the template of the renderer's set called name
// render the session's page, instead of the template given to New (see
// Session.Navigate). CreateSession fails with ErrTemplateNotFound when the
// set has no such template.
func SessionTemplate(name string) SessionOption {
	return func(o *session.CreateOptions) { o.Template = name }
}

// Provisional creates a session held in memory only until GetSession
// opens it — until the page it was created for connects. A page load that
// never connects writes nothing to the store and holds a bounded amount of
// memory for a bounded time (WithProvisionalSessions); a provisional
// session does not survive a restart. RenderPage, ValidateToken,
// RefreshToken and InvalidateSession work on it as on any session.
// Package live creates every page's session this way.
func Provisional() SessionOption {
	return func(o *session.CreateOptions) { o.Provisional = true }
}

// SessionIdleTimeout overrides WithIdleTimeout for one session.
func SessionIdleTimeout(d time.Duration) SessionOption {
	return func(o *session.CreateOptions) { o.IdleTimeout = d }
}
