package fragments

import "slices"

// Equal reports whether s and o describe the same page to Diff: every
// field, the page hash and the reason a page is opaque included, is
// equal. Two equal States give equal updates and States for the same new
// page, so a renderer may hand one session the result another session's
// equal State gave (internal/plan's shared transitions). Nil is equal to
// nil only.
func (s *State) Equal(o *State) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil {
		return false
	}
	return s.Format == o.Format && s.PageHash == o.PageHash &&
		s.opaque == o.opaque && s.opaqueAt == o.opaqueAt &&
		slices.Equal(s.Hashes, o.Hashes) && slices.Equal(s.Tags, o.Tags) &&
		slices.Equal(s.Parents, o.Parents) && slices.Equal(s.Anchors, o.Anchors) &&
		slices.Equal(s.IDs, o.IDs)
}
