package fragments

import (
	"encoding/binary"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// stateFormat is the State layout this build writes. A State of another
// format is treated as unknown (see Diff). Format 2 hashed whitespace
// exactly and counted each fragment's lead in its hash; format 3 hashes a
// fragment's lead and start tag apart from the rest of its own markup
// (Tags), so that either can be updated in place, and writes the hashes
// as byte strings.
const stateFormat = 3

// State is what a session keeps between renders: the fragment tree of the
// page the browser has, as ids, hashes and positions, never the HTML. It is
// plain data, serializable with CBOR (small integer keys) or JSON, and
// immutable once returned by Diff: Diff never modifies its prev argument.
// A State DiffPatched returns may share the slices of its Prev that did not
// change (its IDs, Parents, Hashes, Anchors, Tags): neither may be modified.
//
// The fragments are listed in document order; fragment 0 is the body
// (id ""). All slices have the same length.
type State struct {
	// Format is the layout version (3).
	Format uint8 `cbor:"0,keyasint" json:"format"`
	// IDs are the fragment ids; IDs[0] is "" (the body).
	IDs []string `cbor:"1,keyasint" json:"ids"`
	// Parents[i] is the index of fragment i's nearest fragment ancestor;
	// Parents[0] is 0.
	Parents []uint32 `cbor:"2,keyasint" json:"parents"`
	// Hashes[i] is the hash of the rest of fragment i's own markup: its
	// content and end tag, without the markup of the fragments inside it
	// (and their leads).
	Hashes HashList `cbor:"3,keyasint" json:"hashes"`
	// Anchors[i] is the byte offset in its parent's own content markup
	// (after the parent's start tag) at which fragment i (its lead first)
	// sits.
	Anchors []uint32 `cbor:"4,keyasint" json:"anchors"`
	// PageHash is a hash of the whole page.
	PageHash uint64 `cbor:"5,keyasint" json:"page_hash"`
	// Tags[i] is the hash of fragment i's lead and start tag (for the body,
	// its start tag).
	Tags HashList `cbor:"6,keyasint" json:"tags,omitempty"`

	// opaque and opaqueAt say why the page's body is one opaque fragment;
	// they are not persisted.
	opaque   string
	opaqueAt int
}

// Opaque reports why the page this State describes was treated as one
// opaque fragment, where every change replaces the whole body: the first
// place at which the browser's tree does not follow the tag nesting
// ("<div> inside an open <p> (browsers close the <p> first)") and its byte
// offset in the page. It returns "" for a well-formed page, and for a
// State decoded from storage (the reason is not persisted).
func (s *State) Opaque() (reason string, offset int) {
	if s == nil {
		return "", 0
	}
	return s.opaque, s.opaqueAt
}

// valid reports whether s is a well-formed State this build can diff
// against. A State from a corrupt or foreign record is not.
func (s *State) valid() bool {
	if s == nil || s.Format != stateFormat {
		return false
	}
	n := len(s.IDs)
	if n == 0 || len(s.Parents) != n || len(s.Hashes) != n || len(s.Tags) != n || len(s.Anchors) != n || s.IDs[0] != "" {
		return false
	}
	for i := 1; i < n; i++ {
		if s.Parents[i] >= uint32(i) || s.IDs[i] == "" {
			return false
		}
	}
	return true
}

// HashList is a list of 64-bit hashes. In CBOR it is one byte string of
// 8 bytes per hash, big-endian (a ninth of the size of an array of
// integers); in JSON, an array of numbers.
type HashList []uint64

// MarshalCBOR encodes l as one byte string.
func (l HashList) MarshalCBOR() ([]byte, error) {
	b := make([]byte, 8*len(l))
	for i, h := range l {
		binary.BigEndian.PutUint64(b[8*i:], h)
	}
	return cbor.Marshal(b)
}

// UnmarshalCBOR decodes a byte string whose length is a multiple of 8,
// or an array of integers, as States of format 2 hold them (such a State
// is then unknown to Diff, but the record holding it still decodes).
func (l *HashList) UnmarshalCBOR(data []byte) error {
	if len(data) > 0 && data[0]>>5 != 2 { // not a byte string
		var a []uint64
		if err := cbor.Unmarshal(data, &a); err != nil {
			return err
		}
		*l = a
		return nil
	}
	var b []byte
	if err := cbor.Unmarshal(data, &b); err != nil {
		return err
	}
	if len(b)%8 != 0 {
		return fmt.Errorf("fragments: a hash list of %d bytes", len(b))
	}
	out := make(HashList, len(b)/8)
	for i := range out {
		out[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	*l = out
	return nil
}
