package plan

import (
	"slices"
	"sync"
	"sync/atomic"
)

// flatNodes keeps the flat nodes a plan's last render wrote, with the memo
// made of them, so that the next render of that memo (the same session's
// next update, or another session that took the same transition) reads
// them as they are instead of flattening the memo's chunks again: on a
// 500-task dashboard, a copy of ~1,500 nodes scattered in ~400 half-chunks
// per update.
//
// Exact because a Memo is immutable and flatten only copies its nodes
// back out of the chunks newMemo copied them into: the nodes a render
// wrote, untouched after newMemo, are flatten(memo). The slot is found by
// the memo's pointer alone, which the slot keeps alive, so no other memo
// can have it. A taken slot is emptied: one render at a time reads them.
//
// The slot holds one page's nodes per plan (about 130 KB for the 500-task
// dashboard), and trades buffers with the runs, so that it allocates
// nothing: a render that takes it leaves its own flat buffer in it, and a
// render that fills it takes the one it held.
type flatNodes struct {
	mu    sync.Mutex
	memo  *Memo  // the memo nodes flatten to; nil when nodes hold nothing
	nodes []node // flat, or an empty buffer
}

// flatTaken counts the renders that read their memo's nodes from the slot
// rather than flattening it, for the tests.
var flatTaken atomic.Int64

// flatChecks makes take compare the nodes it takes from the slot with
// the memo flattened, and count in flatWrong those that differ: the tests
// turn it on and require none.
var (
	flatChecks atomic.Bool
	flatWrong  atomic.Int64
)

// flatOff turns the slot off (every memo flattened), for the tests and
// benchmarks that compare; never while renders run.
var flatOff bool

// take returns the flat nodes of memo: the slot's when it holds them (dst
// then becomes the slot's buffer), else memo flattened into dst.
func (f *flatNodes) take(memo *Memo, dst []node) []node {
	if !flatOff {
		f.mu.Lock()
		if f.memo == memo && len(f.nodes) == memo.n {
			nodes := f.nodes
			f.memo, f.nodes = nil, dst[:0]
			f.mu.Unlock()
			flatTaken.Add(1)
			if flatChecks.Load() && !slices.Equal(nodes, memo.flatten(nil)) {
				flatWrong.Add(1)
			}
			return nodes
		}
		f.mu.Unlock()
	}
	return memo.flatten(dst)
}

// put leaves nodes, which flatten memo to, in the slot, and returns the
// buffer the slot held (emptied and cleared) for the run to write into.
func (f *flatNodes) put(memo *Memo, nodes []node) []node {
	if flatOff {
		clear(nodes)
		return nodes[:0]
	}
	f.mu.Lock()
	old := f.nodes
	f.memo, f.nodes = memo, nodes
	f.mu.Unlock()
	clear(old)
	return old[:0]
}
