// Package bolt is the durable session store: every session in one bbolt
// file (go.etcd.io/bbolt), so that a single-binary app restarts — a deploy
// or a crash — without logging anyone out or losing page state.
//
// # Durability contract
//
//   - Create returns after the new session is committed and fsynced.
//     Concurrent creators are grouped into one transaction by a single
//     writer goroutine: a lone creator starts its commit at once (bbolt's
//     DB.Batch would hold it up to 10 ms), and 64 creators share a few
//     fsyncs.
//   - Update is visible to Get at once and written within the update
//     window (DefaultUpdateWindow, 100 ms; WithUpdateWindow). Updates of
//     one session within a window are coalesced into one write.
//     WithSyncUpdates makes every Update fsynced before it returns.
//   - Flush(ctx, id), Close, Expired, ForEach, Backup and Compact commit
//     every pending write first.
//   - Delete of a live session is fsynced before it returns (an
//     invalidated session never comes back); Delete of an expired session
//     is written within the window, so a sweep costs few commits.
//   - A kill -9 loses at most the updates of the last window: never a
//     created session, never the file (bbolt's copy-on-write pages and
//     double meta page make every commit atomic).
//
// # Cost
//
// Open does not read the sessions: it checks the file header and loads
// the session count from the meta bucket, so its cost does not grow with
// the number of sessions. Count is O(1). Get reads one key (~µs) and
// decodes one record. Expired walks the expiry index from its start: O(result).
// No write transaction covers more than 1,024 writes or more than 4 ms
// of work before its commit (two fdatasyncs, which dominate under I/O
// load), so the write lock is held for milliseconds. Memory: the store
// keeps only pending writes and, for two more windows, the last committed
// write of each session written recently, so that a live page's updates
// never read the file; hot sessions are cached by package cache.
//
// # File layout (LayoutVersion 1)
//
//	meta      "layout"      → uint32 big-endian layout version
//	          "count"       → uint64 big-endian number of sessions
//	          "created"     → RFC 3339 time the file was initialised
//	          "signing-key" → token signing key (only when the app sets none)
//	sessions  id (16 bytes) → deadline (8) | revision (8) | CBOR record
//	expiry    deadline (8) | id (16) → empty
//
// A deadline is Record.Deadline() as Unix nanoseconds with the sign bit
// flipped, big-endian, so byte order is time order. The CBOR record is
// session.EncodeRecord's output (format version inside, decoded with
// limits); the header repeats the deadline and revision so that Update's
// compare-and-set and the index maintenance never decode a record. Every
// transaction that writes a session writes its index entry and the count
// with it: index, sessions and count never disagree (Check verifies it).
//
// # Signing key
//
// With no key configured, the renderer asks LoadOrCreateKey for one and
// the file keeps it, so tokens survive a restart with zero configuration.
// The key is then only as secret as the file and its backups: production
// apps pass their own key with WithSecurity.
//
// # Faults
//
// A missing directory, an unwritable path, a file another process holds
// (ErrFileInUse, after the open timeout, DefaultOpenTimeout: bbolt alone
// would wait forever) and a foreign, truncated or newer file
// (ErrNotSessionFile) fail Open with a clear error wrapping
// session.ErrStoreUnavailable. A corrupt record fails only its session:
// Get returns an error wrapping session.ErrSessionNotFound and
// session.ErrCorruptRecord. A damaged page, on which bbolt itself would
// panic, fails the reads that meet it with ErrDamagedFile and stops all
// writes (bbolt's free page list may be damaged too); the process keeps
// running.
//
// # Inspection API
//
// Tools (cmd/statetemplate-dump) use these instead of touching buckets:
//
//	OpenReadOnly(path, timeout) (*Store, error)  // shared lock; ErrFileInUse if a writer holds it
//	(*Store).ForEach(ctx, func(id, raw, rec, err) error) error  // every record, corrupt ones included
//	(*Store).WalkExpiry(ctx, func(deadline, id) error) error    // the index, earliest first
//	(*Store).Stats() (Stats, error)        // sessions, file size, free pages, stored key id
//	(*Store).Check(ctx) (CheckReport, error) // full consistency scan
//	(*Store).Backup(ctx, w) (int64, error) // hot copy, itself a session file
//	(*Store).Compact(ctx) error            // copy without free pages, then swap
//
// A running app holds the file exclusively, so OpenReadOnly fails with
// ErrFileInUse while it runs: inspect a Backup instead.
package bolt
