// Package redis is the session store for deployments with more than one
// server: every server shares the sessions in one Redis — a single node, a
// Sentinel-managed master or a Cluster, through go-redis's UniversalClient.
//
// # Layout (2)
//
// Under a configurable prefix (default "statetemplate:"; it may not contain
// a hash tag):
//
//	<prefix>{<session id hex>}  hash: v = the value, r = the record's revision (decimal)
//	<prefix>signing-key         the token signing key (KeyKeeper)
//	<prefix>health              HealthCheck's probe, expiring after 10 s
//
// Each session key is its own hash tag, so each session has its own Cluster
// slot and sessions spread over every master. Nothing spans two keys:
// there is no deadline index (each key expires by itself) and no count
// (Count scans). The value is session.SealValue's frame: a format byte
// (2), a flags byte (1: DEFLATE-compressed, for records over
// Config.CompressAbove bytes), the CRC-32C of both and the body, then the
// body — the CBOR record of session.EncodeRecord, the bytes the bolt store
// writes. Keys of layout 1 ("{statetemplate}:s:<id>", one shared slot) are
// not read: sessions stored by an older build end at the upgrade, and
// their keys expire on their own.
//
// # Guarantees
//
//   - Compare-and-set. Create and Update are each one Lua script on the
//     session's key, so one round trip and atomic: Update writes only if
//     the stored revision is the one the update was based on, else it
//     returns an error wrapping session.ErrConflict and changes nothing.
//     Two servers updating one session concurrently never silently lose an
//     update: exactly one wins, the other learns it lost.
//   - Every server sees every change at its next read. Revision (one HGET)
//     gives the stored revision; the session manager checks it before it
//     serves a session it holds in memory, so an update, an invalidation,
//     an expiry or a wipe by another server is seen at once, with no
//     staleness bound to configure.
//   - Expiry. Each key expires at its record's absolute deadline
//     (PEXPIREAT, rounded up to the millisecond), in the same script that
//     writes it. A record whose deadline has already passed by Redis's
//     clock is deleted, never stored without expiry. Redis deletes expired
//     sessions itself (session.SelfExpiring): Expired lists nothing.
//     Deadlines are wall-clock times: servers sharing a Redis need
//     synchronised clocks.
//   - Integrity. A value whose bytes changed (checksum), of another format
//     or type, whose revision field disagrees with its record, or that
//     inflates past Config.MaxRecordBytes reads as ErrSessionNotFound
//     wrapping ErrCorruptRecord, for that session only.
//   - Count uses SCAN on every master, never KEYS: O(keys), for health
//     reports, not for requests.
//   - HealthCheck pings every master and writes a short-lived probe key,
//     so a server that answers but refuses writes (out of memory,
//     stop-writes-on-bgsave-error, a read-only replica) is unavailable.
//   - Timeouts: every call honours ctx when the client has
//     ContextTimeoutEnabled (Open sets it, with 2s dial/read/write
//     timeouts), so no call hangs on a dead server; connection and server
//     failures wrap session.ErrStoreUnavailable.
//
// # Durability
//
// Acknowledged writes are as durable as the Redis servers are configured
// to make them. With appendonly yes and appendfsync always, a master
// writes and fsyncs its append-only file before it replies: a master
// killed and restarted comes back with every acknowledged session (tested
// on a three-master Cluster). With appendfsync everysec, Redis may reply
// before writing when the disk is slow, and a killed master lost such
// writes in our tests; with persistence off, a restarted master comes back
// empty and its sessions are gone (their tabs reload once). Replicas are
// asynchronous: a failover may lose the last writes. In a Cluster without
// replicas, the sessions of a master that is down cannot be read or
// written until it returns (set cluster-require-full-coverage no so that
// the other masters keep serving theirs); storage/resilient serves them
// from memory meanwhile.
//
// For graceful degradation when Redis is down, wrap the store in
// storage/resilient.
package redis
