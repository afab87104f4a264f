package main

import (
	"fmt"

	"github.com/livefir/statetemplate/fragments"
)

// fragmentCount returns the number of id'd fragments in a session's
// state: fragment 0 is the body, which has no id.
func fragmentCount(st *fragments.State) int {
	if st == nil || len(st.IDs) == 0 {
		return 0
	}
	return len(st.IDs) - 1
}

// fragmentsView is the fragment state as show and export print it.
type fragmentsView struct {
	Format   uint8          `json:"format"`
	PageHash string         `json:"page_hash,omitempty"`
	List     []fragmentView `json:"list"`
	// Malformed is set when the stored state's slices disagree in length;
	// the server then renders the session's next update in full.
	Malformed bool `json:"malformed,omitempty"`
}

// fragmentView is one fragment. Hashes print as 16 hex digits, the form
// of an update's html_hash (though these hash a fragment's own markup,
// without the fragments inside it): Tag of its lead and start tag (states
// of format 3 on), Hash of the rest.
type fragmentView struct {
	ID     string `json:"id"`
	Parent string `json:"parent"`
	Tag    string `json:"tag,omitempty"`
	Hash   string `json:"hash,omitempty"`
	Anchor uint32 `json:"anchor"`
}

// fragmentDetail returns the view of st. With redactStrings, fragment
// ids (which often carry data, such as "task-42") become their position
// ("#3"), so the tree's shape stays visible, and hashes are left out: a
// hash of a small fragment confirms a guess of its content.
func fragmentDetail(st *fragments.State, redactStrings bool) *fragmentsView {
	if st == nil {
		return nil
	}
	n := len(st.IDs)
	v := &fragmentsView{Format: st.Format, List: []fragmentView{}}
	if !redactStrings {
		v.PageHash = hex16(st.PageHash)
	}
	if len(st.Parents) != n || len(st.Hashes) != n || len(st.Anchors) != n {
		v.Malformed = true
		return v
	}
	name := func(i int) string {
		if i == 0 {
			return "" // the body
		}
		if redactStrings {
			return fmt.Sprintf("#%d", i)
		}
		return st.IDs[i]
	}
	for i := 1; i < n; i++ {
		p := int(st.Parents[i])
		if p >= n {
			v.Malformed = true
			p = 0
		}
		f := fragmentView{ID: name(i), Parent: name(p), Anchor: st.Anchors[i]}
		if !redactStrings {
			f.Hash = hex16(st.Hashes[i])
			if len(st.Tags) == n {
				f.Tag = hex16(st.Tags[i])
			}
		}
		v.List = append(v.List, f)
	}
	return v
}

func hex16(h uint64) string { return fmt.Sprintf("%016x", h) }
