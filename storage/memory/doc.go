// Package memory is the in-process session store: the default when no
// other store is configured.
//
// Records live in 64 shards, each with its own mutex, its own
// least-recently-used list and its own deadline heap, so concurrent
// sessions rarely contend. When MaxSessions is reached, Create evicts the
// least recently used session (the oldest LRU tail across the shards).
// Expired costs O(k log n) for k results.
//
// Durability: none. Sessions end with the process, which is why the
// renderer pairs this store with a random per-process signing key unless
// the app configures one. Records keep their decoded data (Record.Value),
// so data of any type works without registration.
package memory
