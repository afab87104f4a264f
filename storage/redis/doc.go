// Package redis is the session store for deployments with more than one
// server: every server shares the sessions in one Redis (single node,
// Sentinel or Cluster, through go-redis's UniversalClient).
//
// # Layout
//
// Under a configurable prefix (default "{statetemplate}:"):
//
//	<prefix>s:<session id hex>  hash: v = the record, r = its revision
//	<prefix>deadlines           sorted set: session id → deadline (µs)
//	<prefix>signing-key         the token signing key (KeyKeeper)
//
// The record is the CBOR record of session.EncodeRecord, the bytes the bolt
// store writes; records over Config.CompressAbove bytes are stored
// DEFLATE-compressed behind a two-byte marker (see value.go).
//
// # Guarantees
//
//   - Compare-and-set. Create and Update are each one Lua script, so one
//     round trip and atomic: Update writes only if the stored revision is
//     the one the update was based on, else it returns an error wrapping
//     session.ErrConflict and changes nothing. Two servers updating one
//     session concurrently never silently lose an update: exactly one
//     wins, the other learns it lost.
//   - Expiry. Each key expires at its record's absolute deadline
//     (PEXPIREAT, rounded up to the millisecond), in the same script that
//     writes it. A record whose deadline has already passed by Redis's
//     clock is deleted, never stored without expiry. Deadlines are wall
//     clock times: servers sharing a Redis need synchronised clocks, and a
//     session expired by Redis reads as missing (ErrSessionNotFound).
//   - Expired reads the deadline index (O(log n + limit)); the index entry
//     is written by the same script as the record. Count uses SCAN, never
//     KEYS.
//   - Reads see every acknowledged write (one primary). Durability beyond
//     that is Redis's own persistence configuration, and replicas are
//     asynchronous: a failover may lose the last writes.
//   - Timeouts: every call honours ctx when the client has
//     ContextTimeoutEnabled (Open sets it, with 2s dial/read/write
//     timeouts), so no call hangs on a dead server; connection and server
//     failures wrap session.ErrStoreUnavailable.
//   - A damaged value (bad CBOR, a compressed stream that does not inflate
//     or inflates past Config.MaxRecordBytes, a key of another type) reads
//     as ErrSessionNotFound wrapping ErrCorruptRecord for that session only.
//
// Under Redis Cluster all keys share the prefix's hash tag, hence one slot:
// the cluster provides failover, not the spreading of sessions over nodes.
//
// For graceful degradation when Redis is down, wrap the store in
// storage/resilient.
package redis
