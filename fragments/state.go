package fragments

// stateFormat is the State layout this build writes. A State of another
// format is treated as unknown (see Diff). Format 2 hashes whitespace
// exactly and counts each fragment's lead in its hash.
const stateFormat = 2

// State is what a session keeps between renders: the fragment tree of the
// page the browser has, as ids, hashes and positions, never the HTML. It is
// plain data, serializable with CBOR (small integer keys) or JSON, and
// immutable once returned by Diff: Diff never modifies its prev argument.
//
// The fragments are listed in document order; fragment 0 is the body
// (id ""). All slices have the same length.
type State struct {
	// Format is the layout version (2).
	Format uint8 `cbor:"0,keyasint" json:"format"`
	// IDs are the fragment ids; IDs[0] is "" (the body).
	IDs []string `cbor:"1,keyasint" json:"ids"`
	// Parents[i] is the index of fragment i's nearest fragment ancestor;
	// Parents[0] is 0.
	Parents []uint32 `cbor:"2,keyasint" json:"parents"`
	// Hashes[i] is the hash of fragment i's lead and own markup: its
	// outerHTML without the markup of the fragments inside it (and their
	// leads).
	Hashes []uint64 `cbor:"3,keyasint" json:"hashes"`
	// Anchors[i] is the byte offset in its parent's own markup at which
	// fragment i (its lead first) sits.
	Anchors []uint32 `cbor:"4,keyasint" json:"anchors"`
	// PageHash is a hash of the whole page.
	PageHash uint64 `cbor:"5,keyasint" json:"page_hash"`

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
	if n == 0 || len(s.Parents) != n || len(s.Hashes) != n || len(s.Anchors) != n || s.IDs[0] != "" {
		return false
	}
	for i := 1; i < n; i++ {
		if s.Parents[i] >= uint32(i) || s.IDs[i] == "" {
			return false
		}
	}
	return true
}
