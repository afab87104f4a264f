// Package statetemplate renders html/template pages for many isolated
// browser sessions and, after the first full render, turns each change of
// a session's data into the few HTML fragment updates that bring its page
// up to date.
//
// # The two-step flow
//
// A page handler calls CreateSession with the page's data, which stores a
// new session and returns its token, then RenderPage with the token for
// the full HTML (and sets the token in a cookie). A WebSocket handler calls
// GetSession with the token and, for every change, Session.RenderFragments
// with the new data; the returned updates (replace, append, remove,
// insertAfter, insertBefore, or one no-op) go to the browser client.
//
// # Guarantees
//
//   - Isolation: a session's data, fragment state and lifetime are its own.
//     Nothing is shared between sessions but the template. Work on one
//     session is serialized (render, diff and store are one step); work on
//     different sessions runs in parallel without a global lock.
//   - Tokens are AES-256-GCM sealed, URL-safe, 92 characters: they carry
//     the session ID, a generation, the issue and expiry times, and the id
//     of the key that sealed them. A tampered, truncated, foreign or
//     garbage token fails with ErrInvalidToken, an expired one with
//     ErrSessionExpired, never a panic. Without WithSecurity the memory
//     store uses a random per-process key: tokens end with the process, as
//     the sessions do. Durable stores keep a generated key in the store.
//   - Lifecycle: sessions expire absolutely (WithExpiration, default 24h,
//     or SessionExpiration per session) and optionally when idle
//     (WithIdleTimeout). A background sweeper deletes expired sessions
//     (WithCleanupInterval, default 5m). The memory store holds at most
//     WithMaxSessions sessions (default 10,000) and evicts the least
//     recently used; durable stores refuse sessions past the cap with
//     ErrMaxSessionsReached. RefreshToken issues a new token for the same
//     session; the old token, and handles opened with it, stop working.
//   - Context: CreateSession honours its ctx's cancellation and deadline,
//     but the session outlives the request.
//   - Every method of Renderer and Session is safe for concurrent use; no
//     goroutine outlives Renderer.Close.
//   - Errors wrap the package's sentinels (ErrSessionExpired,
//     ErrSessionNotFound, ErrInvalidToken, ErrStoreUnavailable,
//     ErrSessionClosed, ErrMaxSessionsReached, ErrInvalidSessionID,
//     ErrSessionIDExists, and ErrConflict, ErrUnregisteredType,
//     ErrInvalidOption): test them with errors.Is.
//
// # Session data
//
// A session keeps the value it is given, not a copy, and Session.Data
// returns it: give each session its own value. Changes are detected by
// comparing a canonical CBOR snapshot of the exported fields, so mutating
// the value in place before RenderFragments works. With a durable store
// (WithBoltStore, WithRedisStore) data types must be registered with
// WithDataTypes so that sessions can be restored after a restart.
//
// # Cost
//
// CreateSession with the memory store costs a few microseconds; equal
// data costs one CBOR encoding; a change costs one template execution, a
// linear diff and one store write. An idle session in memory costs its
// data plus about a kilobyte. See BENCHMARKS.md for measured figures.
package statetemplate
