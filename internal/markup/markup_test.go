package markup

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGen_SameSeedSamePages(t *testing.T) {
	a, b := NewGen(7).Steps(5), NewGen(7).Steps(5)
	for i := range a {
		assert.Equal(t, a[i].Body(), b[i].Body(), "step %d", i)
	}
	assert.NotEqual(t, a[0].Body(), NewGen(8).Steps(0)[0].Body())
}

func TestGen_IDsAreUniqueInEveryPage(t *testing.T) {
	idAttr := regexp.MustCompile(` id="([^"]+)"`)
	for seed := range uint64(200) {
		for i, s := range NewGen(seed).Steps(6) {
			seen := map[string]bool{}
			for _, m := range idAttr.FindAllStringSubmatch(s.Body(), -1) {
				require.False(t, seen[m[1]], "seed %d step %d: id %s twice", seed, i, m[1])
				seen[m[1]] = true
			}
		}
	}
}

func TestGen_EditsKeepNodeIdentity(t *testing.T) {
	steps := NewGen(3).Steps(4)
	last := steps[len(steps)-1]
	kept := 0
	Walk(steps[0], func(_, n *Node, _ int) {
		if _, m, _ := last.Find(n.UID); m != nil {
			kept++
			assert.Equal(t, n.Tag, m.Tag, "a node keeps its tag across edits")
		}
	})
	assert.Positive(t, kept, "edits keep most nodes")
}

func TestParseSteps_WritesBackByteForByteAndMatchesNodes(t *testing.T) {
	bodies := []string{
		`<ul id="l"><li id="a">1</li><li>x</li></ul><!-- c --><p>t</p>`,
		`<ul id="l"><li>y</li><li id="b">2</li><li id="a">1</li></ul></b><svg><g / ></svg>`,
	}
	steps := ParseSteps(bodies)
	for i, s := range steps {
		assert.Equal(t, bodies[i], s.Body(), "step %d", i)
	}
	uid := func(root *Node, id string) int {
		var u int
		Walk(root, func(_, n *Node, _ int) {
			if n.RawID() == id {
				u = n.UID
			}
		})
		return u
	}
	assert.Equal(t, uid(steps[0], "a"), uid(steps[1], "a"), "an id'd node is matched by id")
	assert.Equal(t, uid(steps[0], "l"), uid(steps[1], "l"))
	assert.NotEqual(t, uid(steps[0], "a"), uid(steps[1], "b"))
}
