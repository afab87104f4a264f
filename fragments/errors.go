package fragments

import "errors"

// ErrDuplicateFragmentID is returned by Diff when two elements of one
// render share an id. The error message names the id.
var ErrDuplicateFragmentID = errors.New("fragments: duplicate fragment id")
