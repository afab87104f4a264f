package genmap

import (
	"strconv"
	"testing"
)

// benchKeys are keys spread like digests: a Map of them is what the
// callers' caches hold.
func benchKeys(n int) []uint64 {
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(i+1) * 0x9e3779b97f4a7c15
	}
	return keys
}

// serialAndParallel runs op(i) with i counting up, on one goroutine and
// on all.
func serialAndParallel(b *testing.B, op func(i int)) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			op(i)
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				op(i)
			}
		})
	})
}

// BenchmarkMap_GetHit reads 1,024 entries of a 1 MiB Map of 16 shards in
// turn.
func BenchmarkMap_GetHit(b *testing.B) {
	keys := benchKeys(1024)
	m := New[uint64, string](1<<20, 16, Digest)
	for _, k := range keys {
		m.Put(k, strconv.FormatUint(k, 10), 96)
	}
	serialAndParallel(b, func(i int) { m.Get(keys[i&1023]) })
}

// BenchmarkMap_Put adds new entries of 96 bytes to a 64 KiB Map of 16
// shards, so that its generations turn over.
func BenchmarkMap_Put(b *testing.B) {
	keys := benchKeys(1 << 16)
	m := New[uint64, string](64<<10, 16, Digest)
	serialAndParallel(b, func(i int) { m.Put(keys[i&(1<<16-1)], "v", 96) })
}
