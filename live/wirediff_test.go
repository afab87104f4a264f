package live

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHunks_MakeTheNewHTMLOutOfItsBase(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"one change", `<td id="p-AAPL" class="up">485.31</td>`, `<td id="p-AAPL" class="down">484.99</td>`, []string{"23", "10", `down">484.99`}},
		{"several, far apart", `<div id="task-50" data-created="100"><label>Fifty</label></div>`, `<div id="task-51" data-created="200"><label>New one</label></div>`,
			[]string{"15", "1", "1", "16", "1", "2", "11", "5", "New one"}},
		{"close changes are one hunk", "abcdefgh", "aXcdYfgh", []string{"1", "4", "XcdY"}},
		{"equal", "abc", "abc", nil},
		{"from nothing", "", "new", []string{"0", "0", "new"}},
		{"counts in UTF-16 code units", "😀 a 😀 bbbbbbbb", "😀 b 😀 bbbbbbbb", []string{"3", "1", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := hunks(tc.old, tc.new)
			require.True(t, ok)
			assert.Equal(t, tc.want, got)
			back, ok := applyHunks(tc.old, got)
			require.True(t, ok)
			assert.Equal(t, tc.new, back)
		})
	}
}

func TestHunks_GivesUpPastTheEditBound(t *testing.T) {
	old, new := make([]byte, 600), make([]byte, 600)
	for i := range old {
		old[i], new[i] = 'a'+byte(i%7), 'A'+byte(i%5)
	}
	_, ok := hunks(string(old), string(new))
	assert.False(t, ok)
}

func TestApplyHunks_RefusesCountsOutOfTheBase(t *testing.T) {
	for _, f := range [][]string{{"4", "0", "x"}, {"0", "4", "x"}, {"a", "0", "x"}, {"1", "0"}, {"1", "0", "x", "-1", "0", "y"}, {"0", "1", ""}} {
		_, ok := applyHunks("ab😀"[:2], f)
		if f[0] == "0" && f[1] == "1" && len(f) == 3 {
			continue // a valid drop of one
		}
		assert.False(t, ok, "%q", f)
	}
	_, ok := applyHunks("a😀", []string{"2", "0", "x"}) // splits the pair
	assert.False(t, ok)
}

// FuzzHunks checks hunks against applyHunks: the hunks of two strings make
// the second out of the first.
func FuzzHunks(f *testing.F) {
	f.Add(`<div id="task-50" class="item">Fifty</div>`, `<div id="task-51" class="item completed">New</div>`)
	f.Add("😀a", "a😀")
	f.Fuzz(func(t *testing.T, old, new string) {
		old, new = valid(old), valid(new)
		fields, ok := hunks(old, new)
		if !ok {
			return
		}
		got, ok := applyHunks(old, fields)
		require.True(t, ok, "%q", fields)
		require.Equal(t, new, got)
	})
}

func TestHunks_RandomEditsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		old := []byte(strconv.Itoa(r.IntN(1e9)) + "<div class=\"x\">hello world</div>" + strconv.Itoa(r.IntN(1e9)))
		new := append([]byte(nil), old...)
		for range r.IntN(6) {
			i := r.IntN(len(new))
			new[i] = 'a' + byte(r.IntN(26))
		}
		fields, ok := hunks(string(old), string(new))
		require.True(t, ok)
		got, ok := applyHunks(string(old), fields)
		require.True(t, ok)
		require.Equal(t, string(new), got)
	}
}
