package truth

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/livefir/statetemplate/internal/markup"
)

// shrinkBudget bounds the browser runs and the time one shrink may take.
const (
	shrinkChecks = 200
	shrinkTime   = 90 * time.Second
)

// treeCase is a page-sequence case of the trees' bodies, in the page
// template tmpl ("" for the default).
func treeCase(name, tmpl string, steps []*markup.Node) Case {
	bodies := make([]string, len(steps))
	for i, s := range steps {
		bodies[i] = s.Body()
	}
	c := pages(name, nil, bodies...)
	c.Tmpl = tmpl
	return c
}

// kind is the class of a divergence, which a shrink must keep: shrinking
// a DOM difference into a page that fails to load would report another
// bug.
func (d *divergence) kind() string {
	k, _, _ := strings.Cut(d.why, ":")
	return k
}

// shrink returns the smallest variant of steps it finds that still
// diverges the same way (delta debugging, greedy), with its divergence
// and the number of browser runs it took.
func (r *runner) shrink(name, tmpl string, steps []*markup.Node, d *divergence) ([]*markup.Node, *divergence, int) {
	deadline := time.Now().Add(shrinkTime)
	checks := 0
	try := func(cand []*markup.Node) bool {
		if checks >= shrinkChecks || time.Now().After(deadline) || len(cand) == 0 {
			return false
		}
		checks++
		r.stats.mute = true
		nd := r.run(treeCase(name, tmpl, cand))
		r.stats.mute = false
		if nd == nil || nd.kind() != d.kind() {
			return false
		}
		steps, d = cand, nd
		return true
	}
	steps = steps[:d.step+1]
	for progress := true; progress; {
		progress = false
		// Fewer steps.
		for j := len(steps) - 1; j >= 0 && len(steps) > 1; j-- {
			if j < len(steps) {
				progress = try(slices.Delete(cloneSteps(steps), j, j+1)) || progress
			}
		}
		// Fewer nodes, biggest first; then simpler nodes.
		for _, op := range []func(root *markup.Node, uid int) bool{removeNode, unwrapNode, plainNode, shortText} {
			for _, uid := range uidsBySize(steps) {
				cand := cloneSteps(steps)
				changed := false
				for _, s := range cand {
					changed = op(s, uid) || changed
				}
				if changed && try(cand) {
					progress = true
				}
			}
		}
	}
	return steps, d, checks
}

func cloneSteps(steps []*markup.Node) []*markup.Node {
	out := make([]*markup.Node, len(steps))
	for i, s := range steps {
		out[i] = s.Clone()
	}
	return out
}

// uidsBySize lists the uids of the steps' nodes, those with the biggest
// subtrees first.
func uidsBySize(steps []*markup.Node) []int {
	size := map[int]int{}
	var count func(n *markup.Node) int
	count = func(n *markup.Node) int {
		s := 1
		for _, k := range n.Kids {
			s += count(k)
		}
		size[n.UID] = max(size[n.UID], s)
		return s
	}
	for _, s := range steps {
		for _, k := range s.Kids {
			count(k)
		}
	}
	uids := make([]int, 0, len(size))
	for u := range size {
		uids = append(uids, u)
	}
	slices.SortFunc(uids, func(a, b int) int {
		if size[a] != size[b] {
			return size[b] - size[a]
		}
		return a - b
	})
	return uids
}

func removeNode(root *markup.Node, uid int) bool {
	p, n, i := root.Find(uid)
	if n == nil {
		return false
	}
	p.Kids = slices.Delete(p.Kids, i, i+1)
	return true
}

// unwrapNode replaces an element by its children.
func unwrapNode(root *markup.Node, uid int) bool {
	p, n, i := root.Find(uid)
	if n == nil || n.Tag[0] == '#' || len(n.Kids) == 0 {
		return false
	}
	p.Kids = slices.Replace(p.Kids, i, i+1, n.Kids...)
	return true
}

// plainNode drops an element's attributes but its id.
func plainNode(root *markup.Node, uid int) bool {
	_, n, _ := root.Find(uid)
	if n == nil || n.Tag[0] == '#' || (n.Raw == "" && len(n.Attrs) == 0) {
		return false
	}
	if n.Raw != "" {
		id := n.RawID()
		n.Raw, n.Attrs = "", nil
		if id != "" {
			n.Attrs = []markup.Attr{{Key: "id", Val: id}}
		}
		return true
	}
	n.Attrs = nil
	return true
}

// shortText cuts a text to one character of its kind.
func shortText(root *markup.Node, uid int) bool {
	_, n, _ := root.Find(uid)
	if n == nil || n.Tag != "#text" || len(n.Text) <= 1 {
		return false
	}
	if strings.TrimSpace(n.Text) == "" {
		n.Text = " "
	} else {
		n.Text = "x"
	}
	return true
}

// reproducer prints a shrunk case as Go string literals, one per step.
func reproducer(tmpl string, steps []*markup.Node, d *divergence, checks int) string {
	var b strings.Builder
	if tmpl == "" {
		tmpl = bodyPage
	}
	fmt.Fprintf(&b, "minimal reproducer (%d browser runs to shrink)\n  page template: %s\n  the body of each step:\n", checks, strconv.Quote(tmpl))
	for i, s := range steps {
		fmt.Fprintf(&b, "  step %d: %s\n", i, strconv.Quote(s.Body()))
	}
	b.WriteString(d.String())
	return b.String()
}
