// Package cache holds the two in-memory caches of statetemplate, both on
// github.com/dgraph-io/ristretto/v2 and both bounded by a budget in bytes:
//
//   - Sessions keeps decoded records of hot sessions (session.Cache), so
//     that a durable store's file is not read and decoded on every request.
//   - Fragments keeps rendered fragment HTML shared across sessions by
//     content: internal/plan keys a part's HTML by the plan's identity,
//     the part and the exact encoding of the data it reads (NewKey).
//
// Both are caches only. ristretto may drop or reject any Set (its
// admission policy keeps what is used often), so nothing lives only here:
// a session's latest write is in its store (the bolt store keeps unwritten
// updates in its own pending set until they are committed).
//
// Fragments has a synchronous front (a sixteenth of its budget, in two
// generations per shard: internal/genmap) of the HTML Set last: ristretto
// applies a Set on its own goroutine, which busy cores leave waiting, and
// without the front the tabs after the first of a push would miss what the
// first rendered and render it again. Its hits are counted with
// ristretto's.
//
// Staleness: ristretto applies a Set of a new key asynchronously, and of
// two queued Sets of one key it may apply either. Sessions therefore gives
// ristretto one slot per session and replaces the record inside the slot;
// a Set of a lower revision is ignored and Delete empties the slot. So Get
// returns either nothing or the latest record Set.
//
// Isolation: ristretto identifies a key by a 128-bit hash only. Fragments
// keys are SHA-256 digests of everything that determines the output, and
// Get compares the full digest, so one session can never be served HTML
// rendered from another's data. Sessions entries carry their ID, which Get
// compares likewise.
//
// Hits and misses are counted (Metrics). Budgets are approximations of
// heap use: a record costs its encoded data three times (bytes, decoded
// value, snapshot) plus its fragment state and a fixed overhead.
// Each cache runs one ristretto goroutine; Close stops it.
package cache
