package genmap

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sized is a Map whose values are their sizes, so that what it holds can
// be summed from All.
func sized(budget int64, shards int) *Map[uint64, int64] {
	return New[uint64, int64](budget, shards, Digest)
}

// held returns the keys m holds, sorted, and the sum of their values.
func held(m *Map[uint64, int64]) (keys []uint64, bytes int64) {
	for k, v := range m.All() {
		keys = append(keys, k)
		bytes += v
	}
	slices.Sort(keys)
	return keys, bytes
}

func TestMap_GetSeesAPutAtOnce(t *testing.T) {
	m := New[string, string](1<<20, 16, func(k string) uint64 { return uint64(len(k)) * 0x9e3779b97f4a7c15 })
	for i := range 500 {
		k := fmt.Sprint("key", i)
		m.Put(k, "value of "+k, 32)
		v, ok := m.Get(k)
		require.True(t, ok, k)
		require.Equal(t, "value of "+k, v)
	}
	_, ok := m.Get("never put")
	assert.False(t, ok)
	assert.Equal(t, 500, m.Len())
}

func TestMap_PutKeepsTheEntryTheNewerGenerationHas(t *testing.T) {
	m := sized(1<<10, 1)
	m.Put(7, 10, 10)
	m.Put(7, 20, 20)
	v, ok := m.Get(7)
	require.True(t, ok)
	assert.Equal(t, int64(10), v)
	_, bytes := held(m)
	assert.Equal(t, int64(10), bytes, "the second Put counted nothing")
}

func TestMap_DropsTheOlderGenerationWhenTheNewerIsFull(t *testing.T) {
	m := sized(200, 1) // one shard, generations of 100 bytes
	require.Equal(t, int64(100), m.MaxSize())
	for _, step := range []struct {
		name string
		key  uint64
		size int64
		want []uint64
	}{
		{"the first entry starts the newer generation", 1, 40, []uint64{1}},
		{"an entry that fits joins it", 2, 40, []uint64{1, 2}},
		{"an entry that does not fit makes the newer the older", 3, 40, []uint64{1, 2, 3}},
		{"the new newer generation fills", 4, 60, []uint64{1, 2, 3, 4}},
		{"the older generation is dropped whole", 5, 1, []uint64{3, 4, 5}},
		{"an entry of exactly a generation starts one of its own", 6, 100, []uint64{5, 6}},
		{"one byte more than a generation is not kept", 7, 101, []uint64{5, 6}},
	} {
		t.Run(step.name, func(t *testing.T) {
			m.Put(step.key, step.size, step.size)
			keys, _ := held(m)
			require.Equal(t, step.want, keys)
			for _, k := range step.want {
				_, ok := m.Get(k)
				require.True(t, ok, "key %d", k)
			}
			require.Equal(t, len(step.want), m.Len())
		})
	}
}

func TestMap_KeyPutAgainAfterItAgedIsHeldOnceWithTheNewerValue(t *testing.T) {
	m := sized(200, 1)
	m.Put(1, 60, 60)
	m.Put(2, 60, 60) // 1 is in the older generation now
	m.Put(1, 30, 30) // and in the newer too
	v, ok := m.Get(1)
	require.True(t, ok)
	assert.Equal(t, int64(30), v, "the newer generation is read first")
	keys, bytes := held(m)
	assert.Equal(t, []uint64{1, 2}, keys)
	assert.Equal(t, int64(90), bytes)
	assert.Equal(t, 2, m.Len())
}

func TestMap_HoldsAtMostItsBudget(t *testing.T) {
	const budget = 64 << 10
	for _, shards := range []int{1, 3, 16, 64} {
		t.Run(fmt.Sprint(shards, " shards"), func(t *testing.T) {
			m := sized(budget, shards)
			r := rand.New(rand.NewPCG(1, uint64(shards)))
			var last uint64
			for i := range 20000 {
				last = r.Uint64()
				size := r.Int64N(m.MaxSize() + 1)
				m.Put(last, size, size)
				if i%100 == 0 {
					_, bytes := held(m)
					require.LessOrEqual(t, bytes, int64(budget), "after %d Puts", i+1)
				}
			}
			keys, bytes := held(m)
			assert.LessOrEqual(t, bytes, int64(budget))
			assert.Greater(t, bytes, int64(budget/4), "it holds more than a generation of each shard")
			assert.Len(t, keys, m.Len())
			_, ok := m.Get(last)
			assert.True(t, ok, "the last Put is held")
		})
	}
}

func TestMap_NegativeSizesCountAsZero(t *testing.T) {
	m := sized(200, 1)
	m.Put(1, 0, -1000)
	for k := range uint64(10) {
		m.Put(k+2, 40, 40)
	}
	_, bytes := held(m)
	assert.LessOrEqual(t, bytes, int64(200))
}

func TestMap_ShardsEvictIndependently(t *testing.T) {
	m := sized(1<<10, 4) // generations of 128 bytes
	m.Put(1, 100, 100)   // shard 1
	for k := range uint64(100) {
		m.Put(k*4, 100, 100) // shard 0, over and over
	}
	_, ok := m.Get(1)
	assert.True(t, ok, "filling shard 0 leaves shard 1 alone")
	_, ok = m.Get(0)
	assert.False(t, ok, "shard 0's first entry is long gone")
}

func TestNew_RoundsTheShardsUpToAPowerOfTwo(t *testing.T) {
	for _, tc := range []struct {
		shards, want int
	}{{-1, 1}, {0, 1}, {1, 1}, {2, 2}, {3, 4}, {16, 16}, {17, 32}} {
		t.Run(fmt.Sprint(tc.shards), func(t *testing.T) {
			m := sized(1<<20, tc.shards)
			assert.Len(t, m.shards, tc.want)
			assert.Equal(t, int64(1<<20/tc.want/2), m.MaxSize())
		})
	}
}

func TestMap_ABudgetTooSmallForAShardKeepsNoSizedEntry(t *testing.T) {
	m := sized(31, 16)
	m.Put(1, 1, 1)
	assert.Zero(t, m.Len())
}

func TestMap_AllStopsWhenYieldDoesAndLetsYieldUseTheMap(t *testing.T) {
	m := sized(1<<20, 4)
	for k := range uint64(40) {
		m.Put(k, 1, 1)
	}
	n := 0
	for k := range m.All() {
		m.Put(k+1000, 1, 1) // would deadlock if All held the shard's lock
		if n++; n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n)
	assert.Equal(t, 45, m.Len())
}

func TestMap_ShardsDoNotShareACacheLine(t *testing.T) {
	assert.Zero(t, unsafe.Sizeof(shard[uint64, int64]{})%64)
}

func TestMap_IsSafeForConcurrentUse(t *testing.T) {
	m := New[uint64, string](16<<10, 4, Digest) // small: generations turn over
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				k := uint64(w*1000 + i%300)
				want := fmt.Sprint(k)
				m.Put(k, want, 64)
				if got, ok := m.Get(k); ok && got != want {
					t.Errorf("got %q for %d", got, k)
				}
				if i%500 == 0 {
					for k, v := range m.All() {
						if v != fmt.Sprint(k) {
							t.Errorf("All: %q for %d", v, k)
						}
					}
				}
			}
		})
	}
	wg.Wait()
	assert.Positive(t, m.Len())
}
