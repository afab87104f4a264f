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
//   - Update is visible to Get at once and acknowledged before it is
//     written: the writer commits the queued updates one window
//     (DefaultUpdateWindow, 100 ms; WithUpdateWindow) after the oldest of
//     them was accepted — at once when a slow commit kept them waiting
//     that long. Updates of one session within a window are coalesced
//     into one write. WithSyncUpdates makes every Update fsynced before it
//     returns.
//   - Lazy updates — those whose ctx session.WithLazyWrite marked, as
//     package live marks its pushes: changes the app makes again when the
//     page reconnects — wait for their own window instead
//     (DefaultLazyWindow, 1 s; WithLazyWindow), and are encoded only when
//     written, so that a session pushed 5 times a second is encoded and
//     written once a second instead of 5 times. They are flushed in five
//     slices of the session ids, each at its own time in the window (slice
//     k at k fifths of a window after each multiple of the window): a lazy
//     update is written at its slice's next slot, within one lazy window,
//     and the work of writing every pushed session is spread over the
//     window instead of stopping the pushes of one instant. A slot that
//     comes while lazy updates still arrive (a push's fan-out) waits for
//     their lull (20 ms without one), but never past a twentieth of a
//     window before the slice's oldest update is a window old; a flush
//     started in a lull gives way, before its next commit, to the next
//     fan-out, and goes on at the lull after it (or that limit). Only its
//     lazy updates give way: those that are not lazy never wait for
//     pushes. Windows and
//     slots are measured on the monotonic clock: a wall clock that jumps
//     (NTP, a resumed VM) neither delays a write past its window nor
//     makes every write overdue at once. A flush for other updates
//     leaves them waiting; an update of the same session that is not lazy
//     takes them with it (it holds their changes), and a lazy update never
//     delays a waiting one that is not. A lazy update of a session whose
//     update that is not lazy is still waiting holds that update's changes
//     too: it is not lazy, and is encoded (or refused) by Update. A lazy
//     record that cannot be stored (its fragment state past the decoding
//     limits) is dropped with a warning when its flush encodes it: the
//     session goes back to its stored revision, and its next update fails
//     with ErrConflict.
//   - Back-pressure: while queued updates have waited longer than the
//     window (a commit slower than the window, a stalled disk), Update
//     waits for the commit in progress to end and the next flush to take
//     them before it accepts another; a flush that starts on time holds
//     no update up for its own length. Updates are never acknowledged
//     more than a window and the flush in progress ahead of the disk: a
//     slow disk delays actions instead of widening what a crash loses
//     (lazy updates: a lazy window).
//   - So a kill -9 loses at most the updates acknowledged in the last
//     window before the process last acknowledged one (lazy updates: the
//     last lazy window), and in wall-clock
//     time at most a window plus the commit in progress: measured over
//     30 kills at ~100 actions/s with both cores busy and another process
//     fsyncing (BENCHMARKS.md), the lost acknowledgements spanned at most
//     81 ms and the oldest was at most 523 ms old at the kill, during a
//     disk stall in which nothing was acknowledged. It never loses a
//     created session or the file (bbolt's copy-on-write pages and double
//     meta page make every commit atomic).
//   - Flush(ctx, id), Close, Expired, ForEach, Backup and Compact commit
//     every pending write first. Close refuses writes before it does: an
//     Update or Delete that runs while Close does is written or fails,
//     never acknowledged and lost.
//   - Delete of a live session is fsynced before it returns (an
//     invalidated session never comes back); Delete of an expired session
//     is written within the window, so a sweep costs few commits.
//   - A failed commit (a full disk, an I/O error) is never hidden: from
//     then on Update, Create and Delete fail with an error wrapping
//     session.ErrStoreUnavailable and HealthCheck reports the failure,
//     until a write succeeds again — the writer retries the queued
//     updates, or writes a probe, every window. One warning (WithLogger)
//     names the file and the sessions whose accepted updates wait in
//     memory: they are written when the disk recovers, and lost if the
//     process dies first — at most one window of updates, since nothing
//     is accepted after the failure. The recovery is logged too.
//
// # Cost
//
// Open does not read the sessions: it checks the file header and loads
// the session count from the meta bucket, so its cost does not grow with
// the number of sessions. Count is O(1). Get reads one key (~µs) and
// decodes one record. Expired walks the expiry index from its start: O(result).
// No write transaction covers more than 1,024 writes or more than 4 ms
// of work before its commit (two fdatasyncs, which dominate under I/O
// load), so the write lock is held for milliseconds. A flush takes the
// writes pending when it starts in key order, so that its transactions
// rewrite disjoint runs of leaf pages: the ticker's flush of 2,000 pushed
// sessions (1.7 KB records, 4 KB pages, about 3 transactions) writes each
// leaf once, 700 pages, where taking them in hash order wrote 1,300–1,600. The
// writer encodes lazy updates before each transaction, also for at most
// 4 ms, with one session.Sealer per flush, so that the fragment state the
// tabs of a push share is encoded once, not once per tab; and a flush
// the window started stops between transactions to commit the new
// sessions waiting for it, so that a flush of thousands of pushed sessions
// never holds a creator up for more than one transaction. Memory: the store
// keeps only pending writes and, for two more windows, the last committed
// write of each session written recently, so that a live page's updates
// never read the file; hot sessions are cached by package cache.
//
// # File layout (LayoutVersion 2)
//
//	meta      "layout"        → uint32 big-endian layout version
//	          "count"         → uint64 big-endian number of sessions
//	          "created"       → RFC 3339 time the file was initialised
//	          "signing-key"   → token signing key (only when the app sets none)
//	          "legacy-values" → present while layout-1 values may remain
//	sessions  id (16 bytes) → 0x02 | deadline (8) | revision (8) | CRC-32C (4) | CBOR record
//	expiry    deadline (8) | id (16) → empty
//
// A deadline is Record.Deadline() as Unix nanoseconds with the sign bit
// flipped, big-endian, so byte order is time order. The CBOR record is
// session.EncodeRecord's output (format version inside, decoded with
// limits); the header repeats the deadline and revision so that Update's
// compare-and-set and the index maintenance never decode a record. The
// CRC-32C (Castagnoli, session.SealValue) covers the header and the
// record: any change of up to 32 consecutive bits of a value — every
// single-byte change, tested exhaustively — fails that session's read
// with session.ErrCorruptRecord and is listed by Check, where bbolt's own
// check (pages only) sees nothing. Every transaction that writes a
// session writes its index entry and the count with it: index, sessions
// and count never disagree (Check verifies it).
//
// Layout 1 (no format byte, no checksum: deadline | revision | CBOR) is
// still read. Open marks such a file layout 2 at once, so that an older
// build refuses it rather than misread it, and rewrites its values with
// their checksum in the background, 1,024 per transaction between other
// writes; Close stops that and the next Open resumes it. Until it is done
// (Stats.LegacyRecords), the records not yet rewritten are read without a
// checksum; a read-only open (the dump tool) reads both forms.
//
// # New and empty files
//
// A new file is initialised under a temporary name and linked into place,
// never over a file another opener put there first, so no crash leaves an
// empty or half-made session file at the path. An existing empty (0-byte)
// file is therefore damage — a truncation, a failed copy — and Open fails
// with ErrNotSessionFile naming it, rather than start afresh with a new
// signing key that would end every saved session.
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
// would wait forever) and a foreign, empty, truncated or newer file
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
