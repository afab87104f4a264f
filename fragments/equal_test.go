package fragments

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStateSameFragments_TellsApartEveryFieldButThePageHash(t *testing.T) {
	page := []byte(`<html><body><div id="a"><p id="b">x</p></div><div id="c">y</div></body></html>`)
	_, base, err := Diff(nil, page)
	require.NoError(t, err)
	_, again, err := Diff(nil, page)
	require.NoError(t, err)
	require.NotSame(t, base, again)
	assert.True(t, base.SameFragments(again), "two Diffs of one page")
	assert.True(t, base.SameFragments(base))
	assert.False(t, base.SameFragments(nil))
	assert.False(t, (*State)(nil).SameFragments(base))
	assert.True(t, (*State)(nil).SameFragments(nil))

	cases := []struct {
		name   string
		change func(s *State)
	}{
		{"format", func(s *State) { s.Format++ }},
		{"an id", func(s *State) { s.IDs = append([]string(nil), s.IDs...); s.IDs[1] = "z" }},
		{"a parent", func(s *State) { s.Parents = append([]uint32(nil), s.Parents...); s.Parents[2] = 0 }},
		{"a hash", func(s *State) { s.Hashes = append(HashList(nil), s.Hashes...); s.Hashes[1]++ }},
		{"a tag", func(s *State) { s.Tags = append(HashList(nil), s.Tags...); s.Tags[3]++ }},
		{"an anchor", func(s *State) { s.Anchors = append([]uint32(nil), s.Anchors...); s.Anchors[3]++ }},
		{"one fragment more", func(s *State) {
			s.IDs, s.Parents = append(s.IDs[:len(s.IDs):len(s.IDs)], "d"), append(s.Parents[:len(s.Parents):len(s.Parents)], 0)
			s.Hashes, s.Tags, s.Anchors = append(s.Hashes[:len(s.Hashes):len(s.Hashes)], 1), append(s.Tags[:len(s.Tags):len(s.Tags)], 1), append(s.Anchors[:len(s.Anchors):len(s.Anchors)], 0)
		}},
		{"opaque", func(s *State) { s.opaque, s.opaqueAt = "a <div> in a <p>", 12 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := *again
			tc.change(&c)
			assert.False(t, base.SameFragments(&c))
			assert.False(t, c.SameFragments(base))
		})
	}
	assert.True(t, base.SameFragments(again), "the cases changed copies only")

	salted := *again
	salted.PageHash++
	assert.True(t, base.SameFragments(&salted), "a PageHash that depends on how the State was made")
}
