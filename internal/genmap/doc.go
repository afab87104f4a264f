// Package genmap is a map bounded by a byte budget, sharded for concurrent
// use and evicted a generation at a time: the small synchronous caches of
// statetemplate (the fragment cache's front, the PatchCache, a plan's
// shared-cache keys) are all one Map.
//
// # Bounds
//
// New(budget, shards, hash) splits budget into shards (rounded up to a
// power of two) of two generations each, a newer and an older; a
// generation holds at most budget/shards/2 bytes, as the sizes given to
// Put count them. So the entries held are at most budget bytes in all,
// and an entry larger than a generation (MaxSize) is not kept. The sizes
// are the caller's estimate of what an entry holds; the maps' own memory
// is not counted beyond them.
//
// # Eviction
//
// Put adds to its shard's newer generation. When the entry does not fit
// there, the older generation is dropped whole, the newer becomes the
// older, and the entry starts a new one. An entry is therefore held until
// its shard's newer generation has filled twice since it was Put: at
// least about budget/shards/2 bytes of later Puts to that shard. Get does
// not move an entry: what is read but not Put again is dropped all the
// same. There is no per-entry bookkeeping, no list, no clock.
//
// Put keeps the entry a key already has in the newer generation rather
// than replacing it: the callers key by content or by a digest of it, so
// equal keys hold equal values, or, on a digest's collision, values the
// caller tells apart by comparing on Get (and then either is as good).
//
// # Concurrency
//
// A Map is safe for concurrent use. Each shard has a sync.RWMutex: Gets of
// one shard run in parallel, a Put holds its shard alone, and keys whose
// hashes differ in their low bits rarely meet. A Put is seen by every Get
// that starts after it returns. Nothing runs in the background.
//
// # Cost
//
// Get is one hash, a read lock and at most two map lookups; Put a hash, a
// lock, a lookup and a map write, and when a generation is full a new map
// sized like the last one (the older is left to the collector).
package genmap
