package fragments

import (
	"errors"
	"testing"
)

// FuzzDiffSpliced takes an arbitrary first page, learns the Seen of a
// bound at each of its start tags, then diffs an arbitrary second page in
// which splices, placed and numbered from the fuzzer's choices, claim
// subtrees of the first. DiffSpliced must never panic: it fails with
// ErrSplice (a splice that does not fit) or ErrDuplicateFragmentID, or
// returns a well-formed result whose every spliced root has its claimed
// id, and every update hash matching its HTML.
func FuzzDiffSpliced(f *testing.F) {
	seeds := malformedSeeds()
	for i, s := range seeds {
		f.Add([]byte(s), []byte(seeds[(i+1)%len(seeds)]), []byte{0, 3, 7, 1})
	}
	f.Add([]byte(`<body><div id="a"><p id="b">x</p></div><p id="c">y</p></body>`),
		[]byte(`<body><div id="a"></div><p id="c">z</p></body>`), []byte{18, 2})
	f.Fuzz(func(t *testing.T, first, page, choices []byte) {
		if len(first) > 1<<16 || len(page) > 1<<16 {
			return
		}
		var bounds []Bound
		for i := 0; i < len(first); i++ {
			if first[i] == '<' && i+1 < len(first) && first[i+1] != '/' {
				bounds = append(bounds, Bound{Start: i, End: len(first)})
			}
		}
		learnt, err := DiffSpliced(SpliceInput{Page: first, Bounds: bounds})
		if err != nil {
			if !errors.Is(err, ErrDuplicateFragmentID) {
				t.Fatalf("first page: %v", err)
			}
			return
		}
		var splices []Splice
		pos := 0
		for i := 0; i+1 < len(choices) && len(bounds) > 0; i += 2 {
			pos += int(choices[i])
			if pos > len(page) {
				break
			}
			b := int(choices[i+1]) % len(bounds)
			splices = append(splices, Splice{Pos: pos, Prev: learnt.Bounded[b], Seen: learnt.Seen[b]})
		}
		fill := func(i int) ([]byte, error) { return []byte(`<div id="filled">f</div>`), nil }
		res, err := DiffSpliced(SpliceInput{Prev: learnt.State, Page: page, Splices: splices, Fill: fill})
		if !resultOK(t, res, err) {
			return
		}
		for i, s := range splices {
			if got, want := res.State.IDs[res.Spliced[i]], learnt.State.IDs[s.Prev]; got != want {
				t.Fatalf("splice %d: root %q, want %q", i, got, want)
			}
		}
	})
}

// resultOK checks the result of a fuzzed DiffSpliced or DiffPatched: an
// error wraps ErrSplice or ErrDuplicateFragmentID (it reports false), a
// result has a valid State and updates whose hashes match their HTML.
func resultOK(t *testing.T, res *SpliceResult, err error) bool {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrSplice) && !errors.Is(err, ErrDuplicateFragmentID) {
			t.Fatalf("unexpected error %v", err)
		}
		return false
	}
	if !res.State.valid() {
		t.Fatalf("invalid state %+v", res.State)
	}
	for _, u := range res.Updates {
		if u.HTML != "" && HashHTML(u.HTML) != u.HTMLHash {
			t.Fatalf("bad hash in %+v", u)
		}
	}
	return true
}
