package session

import (
	"io"
	"log/slog"
	"time"

	"github.com/livefir/statetemplate/token"
)

// RenderFunc renders the full page for data into w with the template
// called name; "" is the renderer's own template. The root package passes
// html/template's Execute and ExecuteTemplate.
type RenderFunc func(w io.Writer, name string, data any) error

// Cache holds decoded records of sessions that are not in use, so that a
// durable store is not read for every request. It may drop entries at any
// time: it is a cache only. Implementations must be safe for concurrent use.
type Cache interface {
	Get(id ID) (*Record, bool)
	Set(rec *Record)
	Delete(id ID)
}

// Config configures a Manager. Store, Keys and Render are required.
type Config struct {
	Store  Store
	Keys   *token.Keyring
	Render RenderFunc
	// Types restores typed data from durable stores. Nil means none registered.
	Types *Types
	// Cache, optional, holds hot sessions of a durable store in memory.
	Cache Cache
	// RenderCache, optional, shares rendered pages between sessions whose
	// data encodes identically (see RenderCache).
	RenderCache RenderCache
	// Incremental, optional, renders pages so that an update costs what
	// changed (see Incremental). Pages it does not handle, and every page
	// without it, are rendered with Render.
	Incremental Incremental
	// DataChanged sets Update.DataChanged on the first update of each
	// RenderFragments: the paths of the data that changed. It costs a
	// comparison with the previous data (decoded from its snapshot when
	// the app mutated it in place); off by default.
	DataChanged bool
	// Expiration is the absolute lifetime of a session. Default 24h.
	Expiration time.Duration
	// IdleTimeout, when non-zero, ends sessions unused for that long.
	IdleTimeout time.Duration
	// CleanupInterval is how often expired sessions are swept. Default 5m;
	// negative disables the background sweeper (Sweep can still be called).
	CleanupInterval time.Duration
	// MaxSessions, when positive, refuses new sessions with
	// ErrMaxSessionsReached once the store holds that many. The root
	// package leaves it 0 for its default memory store, which evicts its
	// least recently used session instead (see storage/memory).
	MaxSessions int
	// Logger receives warnings (corrupt records, sweep failures). Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// ProvisionalTTL is how long a provisional session (CreateOptions
	// Provisional) waits in memory for its page to connect. Default
	// DefaultProvisionalTTL.
	ProvisionalTTL time.Duration
	// ProvisionalBudget bounds the estimated bytes of provisional sessions
	// held in memory; past it the oldest are dropped. Default
	// DefaultProvisionalBudget.
	ProvisionalBudget int64
	// MaxDataBytes, when positive, refuses session data whose canonical
	// encoding is longer, with ErrDataTooLarge.
	MaxDataBytes int
	// IdleCompaction is how long a session goes unused before its record
	// is kept packed (see idle.go): its data snapshot and fragment state
	// compressed, the incremental renderer's memo dropped. Its next use
	// unpacks it and renders the whole page once. Default
	// DefaultIdleCompaction; negative turns it off.
	IdleCompaction time.Duration
}

// Defaults.
const (
	DefaultExpiration      = 24 * time.Hour
	DefaultCleanupInterval = 5 * time.Minute
	// sweepBatch bounds one Expired call, and so one store transaction.
	sweepBatch = 512
)
