package plan

import (
	"encoding/binary"
	"unique"

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
// The nodes are kept in chunks of chunkSize, and a memo shares with the
// one it was rendered from every chunk whose nodes did not change: a
// render allocates what changed, not the page's nodes (a render reads and
// writes them in flat scratch arrays, see run.prevNodes and newMemo).
type Memo struct {
	chunks   []*chunk
	n        int // nodes
	state    *fragments.State
	typeName string
	template string   // the template it is a page of
	parts    int      // part nodes: a bound on the next render's splices and bounds
	heads    []string // the ids outside the body, which DiffPatched does not see
	layout   *layout  // where the items of the encoding it was rendered from are; nil when unknown
}

// Describes reports whether m was made with the State st.
func (m *Memo) Describes(st *fragments.State) bool { return m != nil && st != nil && m.state == st }

// chunkSize is the number of nodes in a chunk of a memo: small enough
// that a change copies few unchanged nodes, large enough that the chunk
// pointers cost little beside them.
const chunkSize = 8

type chunk [chunkSize]node

// flatten appends the nodes of m to dst.
func (m *Memo) flatten(dst []node) []node {
	for k, c := range m.chunks {
		dst = append(dst, c[:min(chunkSize, m.n-k*chunkSize)]...)
	}
	return dst
}

// newMemo returns a memo of nodes, sharing with prev (or nil) each chunk
// whose nodes are the same.
func newMemo(nodes []node, prev *Memo) *Memo {
	m := &Memo{chunks: make([]*chunk, 0, (len(nodes)+chunkSize-1)/chunkSize), n: len(nodes)}
	if prev == nil {
		// A page's first memo, in one allocation: an idle session keeps
		// it, and a busy one replaces its chunks one by one.
		all := make([]chunk, cap(m.chunks))
		for k := range all {
			copy(all[k][:], nodes[k*chunkSize:])
			m.chunks = append(m.chunks, &all[k])
		}
		return m
	}
	for k := 0; k*chunkSize < len(nodes); k++ {
		part := nodes[k*chunkSize : min((k+1)*chunkSize, len(nodes))]
		if prev != nil && k < len(prev.chunks) && k*chunkSize+len(part) <= prev.n && sameNodes(prev.chunks[k][:len(part)], part) {
			m.chunks = append(m.chunks, prev.chunks[k])
			continue
		}
		c := new(chunk)
		copy(c[:], part)
		m.chunks = append(m.chunks, c)
	}
	return m
}

func sameNodes(a, b []node) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type node struct {
	unit  int32 // unit id; -1 for the page
	next  int32 // index of the first node after this one's subtree
	frag  int32 // part: its root's index relative to the enclosing part's (or the body); -1 unknown
	flags uint8
	key   uint64
	ident uint64 // parts and the page: the ident of their output (see run.identOf)
	shell uint64 // parts and the page: the hash of their output without their parts
	skey  uint64 // parts, rows and the page: their shell key (see shell.go)
	seen  fragments.Seen
	skel  unique.Handle[skeleton]
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
