package fragments

import (
	"strconv"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/livefir/statetemplate/internal/fixture"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestProperty_DashboardSequencesApply renders random sequences of dashboard
// changes and checks that each step's updates turn the previous page into
// the new one, with the state persisted through CBOR between steps.
func TestProperty_DashboardSequencesApply(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := fixture.NewDashboard(rapid.IntRange(0, 10).Draw(t, "tasks"))
		m := fixture.NewMutator(rapid.Uint64().Draw(t, "seed"))
		old := renderDash(t, d)
		_, st := mustDiff(t, nil, old)
		for step := range rapid.IntRange(1, 6).Draw(t, "steps") {
			for range rapid.IntRange(1, 3).Draw(t, "changes") {
				m.Mutate(d)
			}
			page := renderDash(t, d)
			ups, next := mustDiff(t, roundTrip(t, st), page)
			requireApplies(t, old, page, ups)
			if step%3 == 2 {
				again, _ := mustDiff(t, next, page)
				require.Empty(t, again, "an unchanged page gives no updates")
			}
			old, st = page, next
		}
	})
}

// TestProperty_RandomTreesApply does the same over random HTML trees and
// random edits of them.
func TestProperty_RandomTreesApply(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := &treeGen{t: t}
		root := g.tree(0)
		old := []byte(root.page())
		_, st := mustDiff(t, nil, old)
		for range rapid.IntRange(1, 12).Draw(t, "steps") {
			for range rapid.IntRange(1, 3).Draw(t, "edits") {
				g.edit(root)
			}
			page := []byte(root.page())
			ups, next := mustDiff(t, roundTrip(t, st), page)
			requireApplies(t, old, page, ups)
			old, st = page, next
		}
	})
}

func roundTrip(t require.TestingT, st *State) *State {
	b, err := cbor.Marshal(st)
	require.NoError(t, err)
	var out State
	require.NoError(t, cbor.Unmarshal(b, &out))
	return &out
}

type tnode struct {
	tag     string
	id      string
	attr    string
	noCache bool
	text    string // for text and comment nodes (tag "#text", "#comment")
	kids    []*tnode
}

var voidTags = map[string]bool{"br": true, "input": true, "img": true, "hr": true}

func (n *tnode) write(b *strings.Builder) {
	switch n.tag {
	case "#text":
		b.WriteString(n.text)
		return
	case "#comment":
		b.WriteString("<!--" + n.text + "-->")
		return
	}
	b.WriteString("<" + n.tag)
	if n.id != "" {
		b.WriteString(` id="` + n.id + `"`)
	}
	if n.attr != "" {
		b.WriteString(" " + n.attr)
	}
	if n.noCache {
		b.WriteString(` data-cache="false"`)
	}
	b.WriteString(">")
	if voidTags[n.tag] {
		return
	}
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</" + n.tag + ">")
}

func (n *tnode) page() string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><title>t</title></head><body>")
	for _, k := range n.kids {
		k.write(&b)
	}
	b.WriteString("</body></html>")
	return b.String()
}

type treeGen struct {
	t      *rapid.T
	nextID int
}

var (
	containerTags = []string{"div", "span", "section", "ul", "li", "p", "b", "em", "pre", "textarea", "svg", "template",
		"table", "tbody", "tr", "td", "select", "option", "a", "button", "h2", "dl", "dd"}
	texts = []string{"a", "hello world", " ", "\n  ", "x &amp; y", "&lt;tag&gt;", "", "  spaced  "}
	attrs = []string{"", `class="c"`, `class=unquoted`, `title="a > b"`, `data-x='1'`, "hidden"}
)

func (g *treeGen) id() string {
	g.nextID++
	return "n" + strconv.Itoa(g.nextID)
}

func (g *treeGen) node(depth int) *tnode {
	switch k := rapid.IntRange(0, 9).Draw(g.t, "kind"); {
	case k < 3 || depth > 4:
		return &tnode{tag: "#text", text: rapid.SampledFrom(texts).Draw(g.t, "text")}
	case k == 3:
		if rapid.Bool().Draw(g.t, "comment") {
			return &tnode{tag: "#comment", text: "c"}
		}
		return &tnode{tag: rapid.SampledFrom([]string{"br", "input", "img", "hr"}).Draw(g.t, "void"), id: g.maybeID()}
	default:
		return g.tree(depth + 1)
	}
}

func (g *treeGen) maybeID() string {
	if rapid.IntRange(0, 2).Draw(g.t, "hasID") > 0 {
		return g.id()
	}
	return ""
}

func (g *treeGen) tree(depth int) *tnode {
	n := &tnode{tag: "div", id: g.maybeID()}
	if depth > 0 {
		n.tag = rapid.SampledFrom(containerTags).Draw(g.t, "tag")
		n.attr = rapid.SampledFrom(attrs).Draw(g.t, "attr")
		n.noCache = rapid.IntRange(0, 9).Draw(g.t, "noCache") == 0
	}
	if n.tag == "textarea" || n.tag == "pre" && rapid.Bool().Draw(g.t, "pretext") {
		n.kids = []*tnode{{tag: "#text", text: rapid.SampledFrom(texts).Draw(g.t, "text")}}
		return n
	}
	for range rapid.IntRange(0, 5).Draw(g.t, "kids") {
		n.kids = append(n.kids, g.node(depth))
	}
	return n
}

// all lists the nodes of the tree below n with their parents.
func all(n *tnode, visit func(parent, child *tnode, i int)) {
	for i, k := range n.kids {
		visit(n, k, i)
		all(k, visit)
	}
}

func (g *treeGen) edit(root *tnode) {
	type at struct {
		parent, node *tnode
		i            int
	}
	var nodes []at
	all(root, func(p, c *tnode, i int) { nodes = append(nodes, at{p, c, i}) })
	containers := []*tnode{root}
	for _, a := range nodes {
		if !strings.HasPrefix(a.node.tag, "#") && !voidTags[a.node.tag] && a.node.tag != "textarea" {
			containers = append(containers, a.node)
		}
	}
	pick := func() at { return nodes[rapid.IntRange(0, len(nodes)-1).Draw(g.t, "pick")] }
	insert := func(n *tnode) {
		c := containers[rapid.IntRange(0, len(containers)-1).Draw(g.t, "into")]
		i := rapid.IntRange(0, len(c.kids)).Draw(g.t, "pos")
		c.kids = append(c.kids[:i], append([]*tnode{n}, c.kids[i:]...)...)
	}
	if len(nodes) == 0 {
		insert(g.node(1))
		return
	}
	switch rapid.IntRange(0, 7).Draw(g.t, "edit") {
	case 0: // change a text
		a := pick()
		if a.node.tag == "#text" {
			a.node.text = rapid.SampledFrom(texts).Draw(g.t, "text")
		} else {
			a.node.attr = rapid.SampledFrom(attrs).Draw(g.t, "attr")
		}
	case 1: // insert a new subtree
		insert(g.node(2))
	case 2: // remove
		a := pick()
		a.parent.kids = append(a.parent.kids[:a.i], a.parent.kids[a.i+1:]...)
	case 3: // move
		a := pick()
		a.parent.kids = append(a.parent.kids[:a.i], a.parent.kids[a.i+1:]...)
		var inside bool
		all(a.node, func(_, c *tnode, _ int) { inside = inside || c == a.node })
		insert(a.node)
	case 4: // swap two siblings
		a := pick()
		if len(a.parent.kids) > 1 {
			j := rapid.IntRange(0, len(a.parent.kids)-1).Draw(g.t, "swap")
			a.parent.kids[a.i], a.parent.kids[j] = a.parent.kids[j], a.parent.kids[a.i]
		}
	case 5: // add or drop an id
		a := pick()
		if !strings.HasPrefix(a.node.tag, "#") {
			if a.node.id == "" {
				a.node.id = g.id()
			} else {
				a.node.id = ""
			}
		}
	case 6: // reverse a child list
		c := containers[rapid.IntRange(0, len(containers)-1).Draw(g.t, "rev")]
		for i, j := 0, len(c.kids)-1; i < j; i, j = i+1, j-1 {
			c.kids[i], c.kids[j] = c.kids[j], c.kids[i]
		}
	case 7: // toggle data-cache
		a := pick()
		a.node.noCache = !a.node.noCache
	}
}
