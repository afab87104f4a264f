// Package resilient is the design's resilientStore: a session.Store that
// serves from a primary store (Redis) and, when the primary fails, from an
// in-process memory store behind a circuit breaker, writing the sessions
// it changed back once the primary returns.
//
// # Circuit
//
// Closed: every call goes to the primary, bounded by ctx and by
// Config.OpTimeout. The first call that fails because the primary is
// unavailable (an error wrapping session.ErrStoreUnavailable, or the
// OpTimeout passing while the caller's ctx is still live) opens the
// circuit, and is itself retried on the fallback. A caller's own
// cancelled or expired ctx never opens it.
//
// Open ("degraded"): calls go to a fresh memory store. A background
// goroutine probes the primary every Config.ProbeInterval.
//
// Recovering (still "degraded"): once the primary answers, the sessions
// written during the outage are written back (reconciled), eight at a
// time. Meanwhile sessions with writes still pending stay on the
// fallback and everything else — new sessions, sessions the fallback
// never held — uses the primary again, so the backlog only shrinks. The
// last few pending writes are drained with fallback calls briefly held
// back, and the circuit closes. A primary failure while recovering
// reopens the circuit on the same fallback.
//
// Status and Degraded report the state; HealthCheck stays nil while the
// fallback serves.
//
// Revision and ExpiresRecords pass the primary's through (a
// session.Revisioner and session.SelfExpiring when the primary is Redis):
// during an outage Revision answers from the fallback for the sessions it
// holds and is unavailable for the others, and the manager then serves the
// state it holds, which no other server can change through an unreachable
// primary either.
//
// # What is guaranteed during an outage
//
//   - Sessions created during the outage work on this server.
//   - A session this server already had in use (a live handle, whose
//     record the session manager holds) keeps working: its next update is
//     adopted into the fallback.
//   - A session this server does not hold cannot be read: Get fails with
//     an error wrapping session.ErrStoreUnavailable, not ErrSessionNotFound,
//     since the session may well exist in the primary.
//   - Other servers do not see this server's changes until reconciliation.
//   - The fallback is bounded (Config.FallbackSessions, LRU eviction): a
//     session evicted from it during the outage is lost (Status.Lost).
//
// # What reconciliation guarantees
//
// For each session written during the outage, the write-back is a
// compare-and-set against the revision the primary held when this server
// diverged from it:
//
//   - Created during the outage and absent from the primary: created.
//   - Changed during the outage, primary still at the revision it had
//     before: overwritten with this server's latest record (the Replace
//     method of storage/redis keeps its revision; other primaries get the
//     record at base+1, which costs the session one ErrConflict retry).
//   - Primary changed meanwhile (another server wrote), or the session
//     is gone from the primary (deleted, invalidated or expired elsewhere,
//     or lost by a Redis restart without persistence): the primary wins,
//     this server's changes to that session are discarded and counted
//     (Status.Discarded), and its next update fails with ErrConflict or
//     ErrSessionNotFound. A session is never resurrected.
//   - Deleted during the outage: deleted from the primary, unconditionally
//     (invalidation must hold).
//
// So no write is ever silently applied over a newer one; a write of this
// server can be discarded, and is then counted and logged. Nothing is
// guaranteed for writes that were never acknowledged: a primary write
// that timed out may or may not have landed, and reconciliation treats a
// landed copy like any other primary revision (an identical record counts
// as in sync). Writes made in the fallback are lost if the process ends
// before the primary returns.
package resilient
