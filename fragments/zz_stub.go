package fragments

// TEMPORARY scaffolding so dependants compile while the engine is written.
// The fragment-engine work replaces this file.

import (
	"errors"
	"hash/fnv"
	"strconv"
)

// ErrDuplicateFragmentID is returned when two elements of one render share an id.
var ErrDuplicateFragmentID = errors.New("fragments: duplicate fragment id")

// State is what a session keeps between renders.
type State struct {
	PageHash uint64 `cbor:"1,keyasint"`
}

// HashHTML returns the html_hash of html.
func HashHTML(html string) string {
	h := fnv.New64a()
	h.Write([]byte(html))
	return strconv.FormatUint(h.Sum64(), 16)
}

// Diff compares the previous state with a newly rendered page.
func Diff(prev *State, page []byte) ([]Update, *State, error) {
	h := fnv.New64a()
	h.Write(page)
	next := &State{PageHash: h.Sum64()}
	if prev == nil || prev.PageHash == next.PageHash {
		return nil, next, nil
	}
	return []Update{{FragmentID: "body", Action: ActionReplace, HTML: string(page)}}, next, nil
}
