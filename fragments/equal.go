package fragments

import "slices"

// SameFragments reports whether s and o describe the same fragment tree:
// equal ids, parents, hashes, tags and anchors, and the same reason for
// an opaque page. Their PageHash may differ (a State DiffSpliced or
// DiffPatched returns holds one that depends on how it was made). For the
// same new page, Diff of two such States gives the same updates, but when
// the page did not change: Diff of the one whose PageHash is that page's
// hash gives none, and of the other the re-sent data-cache="false"
// fragments, as for any change. A renderer may hand one session the
// result another session's State gave (internal/plan's shared
// transitions). Nil is the same as nil only.
func (s *State) SameFragments(o *State) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil {
		return false
	}
	return s.Format == o.Format && s.opaque == o.opaque && s.opaqueAt == o.opaqueAt &&
		slices.Equal(s.Hashes, o.Hashes) && slices.Equal(s.Tags, o.Tags) &&
		slices.Equal(s.Parents, o.Parents) && slices.Equal(s.Anchors, o.Anchors) &&
		slices.Equal(s.IDs, o.IDs)
}
