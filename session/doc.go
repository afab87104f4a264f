// Package session holds the lifecycle of statetemplate sessions: the
// persisted Record and its one CBOR codec, the Store contract every store
// implements (tested by package session/storetest), and the Manager that
// creates sessions, resolves tokens to them, serializes work on each and
// sweeps expired ones.
//
// # Isolation
//
// A session's state — its data, the fragment state of the page its browser
// has, its times and token generation — lives in its own Record and, while
// in use, its own entry with its own mutex. Nothing is shared between
// sessions except the template and the configuration. Work on one session
// (render, diff, store) runs under that session's mutex; sessions in use
// are kept in 64 shards, so different sessions proceed in parallel and no
// lock is global on the hot path. Two Opens of one token share one entry.
//
// # Records
//
// A Record is immutable once handed to a store: every change is a new
// Record with Rev+1, stored by compare-and-set, so that servers sharing a
// store detect each other's writes (ErrConflict). Data is kept as
// canonical CBOR, which is also how a change is detected (equal data,
// equal bytes) and how data is restored from a durable store (see Types).
// In-process stores also keep the decoded value (Record.Value), so that
// data of any type works without registration.
//
// Equal bytes mean equal pages only for what the encoding captures. It
// captures every exported field of a Shareable type, and of a time.Time
// its instant and UTC offset: not its location's name ("CDT" and "PET"
// are both -05:00). So a render shares by equal bytes (the render cache,
// the part cache, shared transitions, the no-op of equal data) only when
// its data is Shareable and Captured: its times are in time.UTC, or
// time.Local at a non-zero offset or named "UTC" (time.Now() on a server
// in UTC is). Other data is rendered in full for itself, every
// time. The check walks only the fields whose types can hold a time
// (worked out once per type), and of a list kept between updates only the
// elements that changed. A monotonic clock reading ({{.At}} prints m=+…)
// and output that depends on pointer identity ({{printf "%p"}}) are not
// captured and not checked.
//
// What is stored reads back: strings come back byte for byte, invalid
// UTF-8 included, and data a durable store could not decode again (nested
// deeper than 64 levels, lists or maps of more than 131,072 entries) is
// refused with ErrUnstorableData before anything is stored. Stores frame
// each record with a CRC-32C (SealValue, OpenValue), so that a changed
// byte is a corrupt record, never other session data. A store writing
// many records at once seals them with a Sealer, which encodes each
// fragment state once however many records hold it (the tabs of a push
// share one), into exactly the bytes SealRecord gives.
//
// # Idle sessions
//
// A session not used for Config.IdleCompaction (a minute by default) is
// compacted by the sweeper: its record is kept packed (Record.Packed) —
// the data snapshot and fragment state compressed against a dictionary
// shared by the sessions of one data type and template, the incremental
// renderer's memo dropped — in its live entry when a handle holds it, and
// in the store when the store holds records in memory (a Packer:
// storage/memory). Packing loses nothing: a packed record encodes
// (EncodeRecord) byte for byte as its unpacked form, and every operation
// that reads the data snapshot or the fragment state unpacks it first. For
// the reference dashboard, a session's own heap goes from 28 KB to 3.4 KB.
// Its next use costs the unpacking (5–30 µs) and one render of the whole
// page, as after a restart; the updates after that cost what they did
// before.
//
// # Servers sharing a store
//
// With a store other processes write too (a Revisioner: Redis), a session
// held in memory — an open handle, as a WebSocket keeps — is checked
// against the stored revision (one round trip) before every read that
// serves it: Open, Page, Validate, Refresh, Invalidate. Another server's
// update reloads it, and a session gone from the store (invalidated
// elsewhere, expired, wiped) ends there. A write based on a stale revision
// fails with ErrConflict and leaves the entry holding the stored state, so
// that the next Page is the winner's page: the caller resynchronises the
// browser with it.
//
// # Lifecycle
//
// A session ends at its absolute expiry, after its idle timeout, when it
// is invalidated, or when a store evicts it. Tokens carry a generation:
// Refresh issues the next one and older tokens, and handles opened with
// them, stop working. The sweeper deletes expired sessions in bounded
// batches, asking the store for the earliest deadlines rather than
// scanning. Close stops it; no goroutine outlives Manager.Close.
//
// # Errors
//
// Every error belongs to a sentinel of errors.go, wrapped with %w and
// naming the session by its short ID (never by its token). A corrupt record
// affects only its own session: it is logged once and reported as
// ErrSessionNotFound wrapping ErrCorruptRecord.
//
// # Cost
//
// RenderFragments of unchanged data costs one CBOR encoding and a
// comparison (and, on a compacted session, the unpacking). Otherwise it renders through Config.Incremental when there
// is one (only what changed is executed and tokenized; what it keeps
// between renders, Record.Memo, stays in memory and may point into the
// record's data snapshot, IncrementalInput.EncKept), else into a pooled
// buffer diffed whole, and writes one record. It decodes the previous data
// snapshot to report the changed paths only with Config.DataChanged. Page
// writes nothing when the page is the one last rendered.
//
// The encoding of the data, which every RenderFragments makes, costs what
// changed in its lists rather than the lists: each list field of the root
// struct, of structs of bools, numbers, strings, times and pointers to
// such, is kept between updates as a deep copy with where each element's
// encoding lies in the snapshot (when every such list is non-empty): a
// list whose elements hold a time from one element, another from 128. An
// element equal to its copy, field by field, encodes to the same bytes and
// is not encoded again; the rest of the root is encoded by the codec, and
// the result is byte for byte the codec's. The copies (about the lists'
// size in memory: 2 KB for the 5-task dashboard, 8 KB for 50 tasks, 66 KB
// for 500) stay in memory with the record and are dropped when the
// session is compacted.
package session
