// Package bufpool pools the buffers a render writes a page into: a page is
// rendered, diffed and dropped on every update, and nothing keeps a
// reference to it once the updates are made.
package bufpool

import (
	"bytes"
	"sync"
)

var pool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 16<<10)) }}

// maxPooled keeps one huge page from pinning its buffer forever.
const maxPooled = 1 << 20

// Get returns an empty buffer.
func Get() *bytes.Buffer { return pool.Get().(*bytes.Buffer) }

// Put returns b to the pool; the caller no longer uses it or its bytes.
func Put(b *bytes.Buffer) {
	if b.Cap() > maxPooled {
		return
	}
	b.Reset()
	pool.Put(b)
}
