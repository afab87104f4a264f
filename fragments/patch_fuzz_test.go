package fragments

import "testing"

// FuzzDiffPatched takes an arbitrary first page, learns the Seen of every
// fragment subtree, then patches the fragments the fuzzer chooses with
// arbitrary markup, every fragment above them a shell. DiffPatched must
// never panic: it fails with ErrSplice or ErrDuplicateFragmentID, or
// returns a valid State in which every indexed fragment keeps its id and
// every update hash matches its HTML; with a PatchCache, it returns the
// same, its Own patches (every third) neither looked up nor kept. A shell
// whose root alone has data-cache="false" is re-sent whole.
func FuzzDiffPatched(f *testing.F) {
	seeds := malformedSeeds()
	for i, s := range seeds {
		f.Add([]byte(s), []byte(seeds[(i+1)%len(seeds)]), []byte{1, 3})
	}
	f.Add([]byte(`<body><div id="a"><p id="b">x</p></div><p id="c">y</p></body>`), []byte(`<p id="b">z</p>`), []byte{2})
	f.Add([]byte(`<body><ul id="a"><li id="b">1</li><li id="c">2</li></ul></body>`), []byte(`<li id="b">one</li><li id="c">two</li>`), []byte{2, 3})
	// A shell whose root has data-cache="false": re-sent whole.
	f.Add([]byte(`<body><footer id="a" data-cache="false"><span id="b">1</span> <i id="c">x</i></footer></body>`), []byte(`<span id="b">2</span>`), []byte{2})
	f.Fuzz(func(t *testing.T, first, page, choices []byte) {
		if len(first) > 1<<16 || len(page) > 1<<16 {
			return
		}
		x, err := extract(first, 0)
		if err != nil || x.opaque {
			return
		}
		bounds := make([]Bound, 0, len(x.frags))
		for _, fr := range x.frags[1:] {
			bounds = append(bounds, Bound{Start: fr.start, End: fr.end})
		}
		learnt, err := DiffSpliced(SpliceInput{Page: first, Bounds: bounds})
		if err != nil {
			t.Fatalf("first page: %v", err)
		}
		st := learnt.State
		seen := func(j int32) Seen { // bounds are fragments 1.. in order
			if j == 0 {
				return learnt.Body
			}
			return learnt.Seen[j-1]
		}
		// The patches: fragments chosen in document order, each one's
		// markup a piece of page.
		var patches []Patch
		shellSet := map[int32]bool{0: true}
		cut := 0
		for i, c := range choices {
			j := int32(c)
			if j <= 0 || int(j) >= len(st.IDs) || len(patches) > 0 && j < patches[len(patches)-1].Prev+int32(seen(patches[len(patches)-1].Prev).frags) {
				continue
			}
			end := len(page)
			if i+1 < len(choices) {
				end = min(len(page), cut+len(page)/len(choices)+1)
			}
			if end <= cut {
				break
			}
			// Every third patch is Own: neither looked up nor kept.
			patches = append(patches, Patch{Start: cut, End: end, Prev: j, Seen: seen(j), Own: len(patches)%3 == 2})
			cut = end
			for a := st.Parents[j]; a != 0; a = st.Parents[a] {
				shellSet[int32(a)] = true
			}
		}
		var shells []Shell
		for j := range st.IDs {
			if shellSet[int32(j)] {
				// Every other one Own: a re-sent shell's HTML is not kept.
				shells = append(shells, Shell{Prev: int32(j), Seen: seen(int32(j)), Own: len(shells)%2 == 1})
			}
		}
		in := PatchInput{Prev: st, Page: page, Patches: patches, Shells: shells, HeadIDs: learnt.HeadIDs,
			Markup: func(i int) ([]byte, error) { return []byte(`<div id="m">m</div>`), nil }}
		res, err := DiffPatched(in)
		// The cache replays exactly what tokenizing gives.
		requireCachedSame(t, in, res, err)
		if !resultOK(t, res, err) {
			return
		}
		for j, at := range res.Index {
			if at >= 0 && res.State.IDs[at] != st.IDs[j] {
				t.Fatalf("fragment %d (%q) indexed at %d (%q)", j, st.IDs[j], at, res.State.IDs[at])
			}
		}
	})
}
