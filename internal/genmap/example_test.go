package genmap_test

import (
	"fmt"

	"github.com/livefir/statetemplate/internal/genmap"
)

// A Map of rendered HTML by a digest of its input: at most 1 MiB in 16
// shards, each entry counted as its length and a fixed overhead.
func ExampleMap() {
	m := genmap.New[uint64, string](1<<20, 16, genmap.Digest)
	html := "<td>101.25</td>"
	m.Put(0x5eed, html, int64(len(html))+48)
	got, ok := m.Get(0x5eed)
	fmt.Println(got, ok, m.Len())
	_, ok = m.Get(0xbad)
	fmt.Println(ok)
	// Output:
	// <td>101.25</td> true 1
	// false
}
