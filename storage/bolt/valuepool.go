package bolt

// valuePool keeps the arrays of values the writer has committed, for the
// records its next flushes encode. A lazy flush writes every pushed
// session's record once a lazy window — 10,000 records of ~1.8 KB a second
// at 10,000 tabs pushed once a second — and each was a fresh allocation,
// garbage as soon as its transaction committed. bbolt needs a value only
// until the transaction that put it ends (it copies it into the pages it
// writes), and a committed write's value is read by no one (reads take the
// pending write's record), so the writer reuses it. A value whose commit
// failed is kept by its pending write for the retry and never returned.
// The writer's alone: not safe for concurrent use.
type valuePool struct {
	free  [][]byte
	bytes int
}

const (
	// valuePoolBytes bounds the arrays a pool keeps: a transaction's
	// worth of ticker records (maxWritesPerTx of ~1.8 KB) and some.
	valuePoolBytes = 4 << 20
	// valuePoolLargest is the largest array kept: a rare large record
	// would otherwise pin its size in the pool.
	valuePoolLargest = 64 << 10
)

// get returns an array to encode a value into (nil: none kept).
func (p *valuePool) get() []byte {
	n := len(p.free)
	if n == 0 {
		return nil
	}
	v := p.free[n-1]
	p.free[n-1] = nil
	p.free = p.free[:n-1]
	p.bytes -= cap(v)
	return v[:0]
}

// put keeps v's array, which nothing may use any more, unless the pool
// is full or the array too large.
func (p *valuePool) put(v []byte) {
	if cap(v) == 0 || cap(v) > valuePoolLargest || p.bytes+cap(v) > valuePoolBytes {
		return
	}
	p.free = append(p.free, v[:0])
	p.bytes += cap(v)
}

// release drops every array kept.
func (p *valuePool) release() { *p = valuePool{} }
