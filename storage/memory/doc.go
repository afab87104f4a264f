// Package memory is the in-process session store: the default when no
// other store is configured.
//
// Records live in 64 shards, each with its own mutex, its own
// least-recently-used list and its own deadline heap, so concurrent
// sessions rarely contend. A store made with a limit holds at most that
// many sessions: when it is full, Create first evicts the least recently
// used session of the whole store (exactly: use order is a strictly
// increasing global clock). Get and Update count as use. Creates are serialized in a
// store with a limit; Get, Update and Delete of different sessions never
// are.
//
// The store implements session.Packer: Unused lists the records of
// sessions unused since a moment, least recently used first (a walk of
// each shard's LRU list from its tail, O(idle sessions)), and Swap
// replaces a record by its packed form without counting as a use. Uses are
// timed by Store.Now, which the renderer sets to its own clock; the use
// counter is that time in nanoseconds, made strictly increasing so that it
// still orders uses exactly.
//
// Expired walks each shard's heap best-first, costing O(k log k) for k
// results rather than a scan; sliding idle deadlines leave stale heap
// entries that are compacted away once they outnumber live ones.
//
// Durability: none. Sessions end with the process, which is why the
// renderer pairs this store with a random per-process signing key unless
// the app configures one. Records keep their decoded data (Record.Value),
// so data of any type works without registration. Get returns the stored
// record itself, not a copy: records are immutable once stored.
package memory
