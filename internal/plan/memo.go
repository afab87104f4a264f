package plan

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"sync/atomic"
	"unique"
	"unsafe"

	"github.com/livefir/statetemplate/fragments"
)

// Memo is what a session keeps between renders so that the next render
// can skip what did not change: one node per part, range and row of the
// page the browser has, in document order, with the key of what it read
// and where its fragments are in the State the memo describes. It is
// immutable and holds no HTML: a row keeps the markup it writes around its
// parts (its skeleton, usually whitespace), interned and shared by every
// row and session that writes the same.
//
// The nodes are kept in chunks of chunkSize, each node in two halves: its
// keys and idents (hot), which change with the data, and the rest (cold),
// which change with the page's shape and what DiffPatched learns of it. A
// memo shares with the one it was rendered from every half-chunk whose
// halves did not change: a push that changes a few parts and their
// ancestors' idents allocates their hot chunks, not the page's nodes (a
// render reads and writes them in flat scratch arrays, see run.prevNodes
// and newMemo).
type Memo struct {
	chunks   []memoChunk
	n        int   // nodes
	plan     *Plan // the plan that made it: its units, keys and HTML are that plan's
	state    *fragments.State
	typeName string
	template string   // the template it is a page of
	parts    int      // part nodes: a bound on the next render's splices and bounds
	heads    []string // the ids outside the body, which DiffPatched does not see
	layout   *layout  // where the items of the encoding it was rendered from are; nil when unknown
	// resent is the HTML of re-sent unchanged parts (see run.resentHTML),
	// by node, in order.
	resent []memoHTML
}

// memoHTML is the HTML of the re-sent part at node of a memo.
type memoHTML struct {
	node int32
	html string
}

// resentHTML returns the HTML m keeps of the re-sent part at node j.
func (m *Memo) resentHTML(j int32) (string, bool) {
	i, ok := slices.BinarySearchFunc(m.resent, j, func(h memoHTML, j int32) int { return cmp.Compare(h.node, j) })
	if !ok {
		return "", false
	}
	return m.resent[i].html, true
}

// Describes reports whether m was made with the State st.
func (m *Memo) Describes(st *fragments.State) bool { return m != nil && st != nil && m.state == st }

// chunkSize is the number of nodes in a chunk of a memo: small enough
// that a change copies few unchanged nodes, large enough that the chunk
// pointers cost little beside them.
const chunkSize = 8

// memoChunk is chunkSize nodes of a memo, in halves (hotNode, coldNode).
type memoChunk struct {
	hot  *[chunkSize]hotNode
	cold *[chunkSize]coldNode
}

// hotNode is the half of a node that changes with the data.
type hotNode struct {
	key   uint64
	ident uint64 // parts and the page: the ident of their output (see run.identOf)
	shell uint64 // parts and the page: the hash of their output without their parts
}

// coldNode is the rest of a node, which changes with the page's shape.
type coldNode struct {
	unit  int32 // unit id; -1 for the page
	next  int32 // index of the first node after this one's subtree
	frag  int32 // part: its root's index relative to the enclosing part's (or the body); -1 unknown
	flags uint8
	skey  uint64 // parts, rows and the page: their shell key (see shell.go)
	seen  fragments.Seen
	skel  unique.Handle[skeleton]
}

// flatten appends the nodes of m to dst.
func (m *Memo) flatten(dst []node) []node {
	dst = slices.Grow(dst, m.n)
	for k, c := range m.chunks {
		for i := range min(chunkSize, m.n-k*chunkSize) {
			dst = append(dst, node{c.hot[i], c.cold[i]})
		}
	}
	return dst
}

// newMemo returns a memo of nodes, sharing with prev (or nil) each
// half-chunk whose halves are the same. pflat, when not nil, is prev's
// nodes flat (prev.flatten): a chunk whose nodes are byte for byte those
// at the same place of pflat shares both of prev's halves without their
// nodes being compared one by one (equal bytes are equal nodes: a node
// holds integers and pointers; bytes that differ, in padding say, fall
// back to comparing the nodes).
func newMemo(nodes []node, prev *Memo, pflat []node) *Memo {
	n := (len(nodes) + chunkSize - 1) / chunkSize
	m := &Memo{chunks: make([]memoChunk, n), n: len(nodes)}
	if prev == nil {
		// A page's first memo, in two allocations: an idle session keeps
		// it, and a busy one replaces its chunks one by one.
		hot, cold := make([][chunkSize]hotNode, n), make([][chunkSize]coldNode, n)
		for i := range nodes {
			hot[i/chunkSize][i%chunkSize], cold[i/chunkSize][i%chunkSize] = nodes[i].hotNode, nodes[i].coldNode
		}
		for k := range m.chunks {
			m.chunks[k] = memoChunk{hot: &hot[k], cold: &cold[k]}
		}
		return m
	}
	halves := false
	for k := range m.chunks {
		part := nodes[k*chunkSize : min((k+1)*chunkSize, len(nodes))]
		var was memoChunk
		if k < len(prev.chunks) && k*chunkSize+len(part) <= prev.n {
			was = prev.chunks[k]
		}
		c := &m.chunks[k]
		if was.hot != nil && len(pflat) == prev.n && sameBytes(part, pflat[k*chunkSize:k*chunkSize+len(part)]) {
			c.hot, c.cold = was.hot, was.cold
			sharedByBytes.Add(1)
			if flatChecks.Load() && (!sameHot(c.hot[:len(part)], part) || !sameCold(c.cold[:len(part)], part)) {
				flatWrong.Add(1)
			}
			continue
		}
		if c.hot = was.hot; c.hot == nil || !sameHot(c.hot[:len(part)], part) {
			c.hot = new([chunkSize]hotNode)
			for i := range part {
				c.hot[i] = part[i].hotNode
			}
		}
		if c.cold = was.cold; c.cold == nil || !sameCold(c.cold[:len(part)], part) {
			c.cold = new([chunkSize]coldNode)
			for i := range part {
				c.cold[i] = part[i].coldNode
			}
		}
		halves = halves || (c.hot == was.hot) != (c.cold == was.cold)
	}
	if halves {
		halfShared.Add(1)
	}
	return m
}

// sameBytes reports whether the nodes a and b are the same bytes.
func sameBytes(a, b []node) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	n := len(a) * int(unsafe.Sizeof(node{}))
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), n), unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), n))
}

// sharedByBytes counts the chunks newMemo shared because their nodes were
// the previous flat nodes' bytes, for the tests.
var sharedByBytes atomic.Int64

// halfShared counts the memos that share one half of a chunk with the memo
// before and not the other, for the tests.
var halfShared atomic.Int64

func sameHot(a []hotNode, b []node) bool {
	for i := range a {
		if a[i] != b[i].hotNode {
			return false
		}
	}
	return true
}

func sameCold(a []coldNode, b []node) bool {
	for i := range a {
		if a[i] != b[i].coldNode {
			return false
		}
	}
	return true
}

// node is a part, range or row of a page, in halves: a memo shares each
// half of a chunk of nodes with the memo before when it did not change.
type node struct {
	hotNode
	coldNode
}

const (
	nodeKeyed  uint8 = 1 << iota // key is valid
	nodeReplay                   // a row whose skeleton can be written without running it
	nodeSkeyed                   // skey is valid
	nodeDirect                   // a part or range called by its owner itself, not in a template it calls
	nodeRange                    // a range iterated natively (its rows are its children)
	// nodeRows marks a range whose rows' keys hash the elements of a list
	// in the encoding: its key is then the digest of the reads its rows
	// share, and its ident where the list starts (see rangeRun.keepRows).
	nodeRows
)

func (n *node) keyed() bool { return n.flags&nodeKeyed != 0 }

// spliceable reports whether a part node's subtree can be left out of a
// page and taken from the previous State.
func (n *node) spliceable() bool {
	return n.keyed() && n.frag >= 0 && n.seen.Spliceable()
}

// skeleton is what a row writes besides its parts, and where the parts go.
type skeleton struct {
	text  string
	slots string // little-endian uint32 offsets in text, one per part
}

func (s skeleton) slot(i int) int { return int(binary.LittleEndian.Uint32([]byte(s.slots[4*i:]))) }

func (s skeleton) nslots() int { return len(s.slots) / 4 }

// kids calls fn with the index of each child node of node i.
func kids(nodes []node, i int32, fn func(j int32) bool) {
	for j := i + 1; j < nodes[i].next; j = nodes[j].next {
		if !fn(j) {
			return
		}
	}
}
