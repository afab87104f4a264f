package plan

import (
	"fmt"
	"html/template"
	"reflect"
	"sync/atomic"
	"text/template/parse"
)

// A part whose shell is static text around its parts, with at most
// conditions a shell computes itself (its template, as html/template
// escaped it, writes nothing but literal text around the calls of the
// parts inside it, within {{if}}s of natives: fields, constants and the
// builtins of shell.go) is composed rather than executed: its conditions
// are computed, then its text pieces written and its parts entered as the
// template would enter them, so that neither text/template nor the
// reflection of its calls runs. Its output is byte for byte what
// executing it writes: the pieces are the escaped template's own text
// nodes, the conditions are computed as text/template computes them (or
// the part is executed: a condition that would call a method, fail, or
// depend on the missingkey option is not computed), and the parts inside
// are entered (spliced, taken from the shared cache, executed or
// composed) in the same order and with the same inputs as the template's
// calls. A status footer with data-cache="false" whose spans are parts is
// then built from its text and its parts' outputs, the shared ones from
// the shared part cache by the exact bytes they read, and only the part
// that reads the session's own data (its id) is executed; a counter
// section whose buttons are disabled by {{if ge .Counter .Max}} runs only
// the templates of its parts that changed.

// maxConds bounds the conditions of a composed shell: their truths are
// the bits of one word.
const maxConds = 64

// static is the composition of a part whose shell is static text with
// conditions.
type static struct {
	body  []snode
	conds int
	// leaf: a part without parts, composed as it goes (leaf.go); its
	// conditions are computed where they are met, and prints and ranges
	// are in its nodes.
	leaf bool
}

// snode is a node of a composed shell: text written as it is, a part
// entered (call), or a condition (cond) whose then or els is written.
type snode struct {
	text      string
	call      *staticCall
	cond      *native
	then, els []snode
	print     *sprint // a leaf's value printed (leaf.go)
	rng       *srange // a leaf's range (leaf.go)
}

// staticCall is one part called in a static shell, with where its inputs
// come from among the caller's: each is dot (0), the root (1) or a
// variable (2 and up).
type staticCall struct {
	unit int
	args []int
}

// staticShell returns the composition of part u, whose template t was
// escaped by html/template, or nil when its shell is not static text with
// conditions of natives. builtins reports whether a function name is
// text/template's builtin in the set (not redefined by the app).
func staticShell(t *template.Template, u *unit, units []*unit, builtins func(string) bool) *static {
	if t == nil || t.Tree == nil || t.Tree.Root == nil || u.kind != kindPart {
		return nil
	}
	var body *parse.ListNode
	for _, n := range t.Tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			if len(n.Pipe.Decl) == 0 {
				return nil // prints
			}
		case *parse.RangeNode:
			if body != nil || n.ElseList != nil || n.Pipe.String() != fnDot+" "+varFrame {
				return nil
			}
			body = n.List
		case *parse.IfNode:
			if n.String() != "{{if "+fnEnd+" "+varFrame+"}}{{end}}" {
				return nil
			}
		default:
			return nil
		}
	}
	if body == nil {
		return nil
	}
	c := &composer{u: u, units: units, builtins: builtins, leaf: u.leaf, vars: u.vars}
	nodes, ok := c.list(body)
	if u.leaf {
		if !ok || c.prints == 0 {
			return nil
		}
		return &static{body: nodes, conds: c.conds, leaf: true}
	}
	if !ok || c.calls == 0 || c.conds > maxConds {
		return nil
	}
	return &static{body: nodes, conds: c.conds}
}

// composer reads the escaped body of a part into the nodes of its
// composition.
type composer struct {
	u            *unit
	units        []*unit
	builtins     func(string) bool
	calls, conds int
	// leaf: reading a leaf part, whose prints and ranges are composed;
	// vars are the variables in scope, input 2+i each (a range's
	// variable after the part's), and prints counts the values printed.
	leaf   bool
	vars   []string
	prints int
}

// list reads the nodes of l, and reports false when one is neither text,
// a part's call nor a condition of natives.
func (c *composer) list(l *parse.ListNode) ([]snode, bool) {
	if l == nil {
		return nil, true
	}
	var out []snode
	text := ""
	flush := func() {
		if text != "" {
			out = append(out, snode{text: text})
			text = ""
		}
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			text += string(n.Text)
		case *parse.WithNode:
			call, ok := staticCallOf(n, c.u, c.units)
			if !ok {
				return nil, false
			}
			flush()
			out = append(out, snode{call: &call})
			c.calls++
		case *parse.IfNode:
			x := c.condition(n.Pipe)
			if x == nil {
				return nil, false
			}
			then, ok1 := c.list(n.List)
			els, ok2 := c.list(n.ElseList)
			if !ok1 || !ok2 {
				return nil, false
			}
			flush()
			out = append(out, snode{cond: x, then: then, els: els})
			c.conds++
		case *parse.ActionNode:
			p := c.printOf(n)
			if p == nil {
				return nil, false
			}
			flush()
			out = append(out, snode{print: p})
			c.prints++
		case *parse.RangeNode:
			rg := c.rangeOf(n)
			if rg == nil {
				return nil, false
			}
			flush()
			out = append(out, snode{rng: rg})
		default:
			return nil, false
		}
	}
	flush()
	return out, true
}

// condition returns the native of an {{if}}'s pipeline, or nil when it is
// not one command of natives.
func (c *composer) condition(p *parse.PipeNode) *native {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 {
		return nil
	}
	return c.command(p.Cmds[0])
}

// command returns the native of a command: a builtin of natives called
// with natives, or one operand.
func (c *composer) command(cmd *parse.CommandNode) *native {
	if len(cmd.Args) == 0 {
		return nil
	}
	fn, ok := cmd.Args[0].(*parse.IdentifierNode)
	if !ok {
		if len(cmd.Args) != 1 {
			return nil // a method or field called with arguments
		}
		return c.operand(cmd.Args[0])
	}
	if !natives[fn.Ident] || c.builtins == nil || !c.builtins(fn.Ident) || len(cmd.Args) < 2 {
		return nil
	}
	x := &native{fn: fn.Ident, in: -1}
	for _, a := range cmd.Args[1:] {
		ax := c.operand(a)
		if ax == nil {
			return nil
		}
		x.args = append(x.args, ax)
	}
	return x
}

// operand returns the native of an argument: a field of dot or of an
// input variable (never dot or a variable alone), a constant, or a
// parenthesized command.
func (c *composer) operand(n parse.Node) *native {
	switch n := n.(type) {
	case *parse.FieldNode:
		return &native{in: 0, path: n.Ident}
	case *parse.VariableNode:
		in := varIndex(&parse.VariableNode{Ident: n.Ident[:1]}, c.u.vars)
		if c.leaf {
			in = c.varIn(n.Ident[0])
		}
		if in < 0 || len(n.Ident) < 2 {
			return nil
		}
		return &native{in: in, path: n.Ident[1:]}
	case *parse.PipeNode:
		return c.condition(n)
	}
	return constant(n)
}

// staticCallOf reads {{with _st_enter $_st_c N . $_st_r vars...}}{{template
// "_st_pN" .}}{{end}}, the call of part N in caller u.
func staticCallOf(n *parse.WithNode, u *unit, units []*unit) (staticCall, bool) {
	if n.ElseList != nil || len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || n.List == nil || len(n.List.Nodes) != 1 {
		return staticCall{}, false
	}
	args := n.Pipe.Cmds[0].Args
	if len(args) < 3 {
		return staticCall{}, false
	}
	fn, ok1 := args[0].(*parse.IdentifierNode)
	fr, ok2 := args[1].(*parse.VariableNode)
	id, ok3 := args[2].(*parse.NumberNode)
	if !ok1 || !ok2 || !ok3 || fn.Ident != fnEnter || len(fr.Ident) != 1 || fr.Ident[0] != varFrame ||
		!id.IsInt || id.Int64 < 0 || id.Int64 >= int64(len(units)) {
		return staticCall{}, false
	}
	callee := units[id.Int64]
	tn, ok := n.List.Nodes[0].(*parse.TemplateNode)
	if !ok || callee.kind != kindPart || tn.Name != callee.name || tn.Pipe == nil || tn.Pipe.String() != "." {
		return staticCall{}, false
	}
	c := staticCall{unit: callee.id}
	for _, a := range args[3:] {
		switch a := a.(type) {
		case *parse.DotNode:
			c.args = append(c.args, 0)
		case *parse.VariableNode:
			i := varIndex(a, u.vars)
			if i < 0 {
				return staticCall{}, false
			}
			c.args = append(c.args, i)
		default:
			return staticCall{}, false
		}
	}
	if len(c.args) != callee.nin()-len(callee.rvars) {
		return staticCall{}, false
	}
	return c, true
}

// varIndex returns the input a variable of a part's template is: the
// root (1) or variable i of vars (2+i), or -1.
func varIndex(v *parse.VariableNode, vars []string) int {
	if len(v.Ident) != 1 {
		return -1
	}
	if v.Ident[0] == varRoot {
		return 1
	}
	for i, name := range vars {
		if name == v.Ident[0] {
			return 2 + i
		}
	}
	return -1
}

// composeStatic turns composing on, and composeConds composing shells
// with conditions; the benchmarks turn them off to compare, never while
// renders run.
var composeStatic, composeConds = true, true

// composes reports whether a part of composition s (nil: none) is
// composed: composing is on, and composing shells with conditions when s
// has them.
func (s *static) composes() bool {
	if s != nil && s.leaf {
		return composeStatic && composeLeaves
	}
	return s != nil && composeStatic && (s.conds == 0 || composeConds)
}

// composedParts counts the parts composed, composedConds those of them
// whose shells hold conditions, and uncomputed the parts executed because
// a condition of their shell could not be computed, for the tests.
var composedParts, composedConds, uncomputed atomic.Int64

// execPart writes the output of part frame f, entered and not skipped,
// into r's buffer: composed when its shell is static and its conditions
// computed, else executed.
func (r *run) execPart(f *frame) error {
	s := f.u.static
	if !s.composes() {
		return r.p.parts[f.u.id].Execute(r.buf, f)
	}
	if s.leaf {
		return r.execLeaf(f, s)
	}
	if !f.vals[0].IsValid() {
		return fmt.Errorf("%w: no dot", errUnsupported) // as dotOf
	}
	truths, _, ok := decide(s.body, f.vals, 0, 0)
	if !ok {
		uncomputed.Add(1)
		return r.p.parts[f.u.id].Execute(r.buf, f)
	}
	composedParts.Add(1)
	if s.conds > 0 {
		composedConds.Add(1)
	}
	if _, err := r.compose(f, s.body, truths, 0); err != nil {
		return err
	}
	return f.close()
}

// decide computes the conditions of nodes that text/template would
// evaluate, in order, with inputs vals: the truth of the n-th is bit n of
// the result. It reports false when one cannot be computed (the part is
// then executed): nothing is written or entered before all are.
func decide(nodes []snode, vals []reflect.Value, truths uint64, n int) (uint64, int, bool) {
	for i := range nodes {
		sn := &nodes[i]
		if sn.cond == nil {
			continue
		}
		v, ok := evalNative(sn.cond, vals)
		if !ok {
			return 0, 0, false
		}
		t, ok := isTrue(indirectInterface(v))
		if !ok {
			return 0, 0, false // text/template: if can't use the value
		}
		branch := sn.els
		if t {
			truths |= 1 << n
			branch = sn.then
		}
		n++
		if truths, n, ok = decide(branch, vals, truths, n); !ok {
			return 0, 0, false
		}
	}
	return truths, n, true
}

// compose writes nodes for part frame f, with the truths decide computed
// from the n-th on; it returns the number of conditions taken so far.
func (r *run) compose(f *frame, nodes []snode, truths uint64, n int) (int, error) {
	for i := range nodes {
		sn := &nodes[i]
		switch {
		case sn.cond != nil:
			branch := sn.els
			if truths&(1<<n) != 0 {
				branch = sn.then
			}
			var err error
			if n, err = r.compose(f, branch, truths, n+1); err != nil {
				return n, err
			}
		case sn.call != nil:
			vals := r.valSlab(len(sn.call.args))
			for j, a := range sn.call.args {
				vals[j] = f.vals[a]
			}
			sub, err := r.safeEnter(f, r.p.units[sn.call.unit], vals)
			if err != nil {
				return n, err
			}
			if sub != nil && !sub.skip {
				if err := r.execPart(sub); err != nil {
					return n, err
				}
			}
		default:
			r.buf.WriteString(sn.text)
		}
	}
	return n, nil
}

// safeEnter is enter, with a panic turned into an error as text/template
// turns one in the functions a template calls.
func (r *run) safeEnter(c *frame, u *unit, vals []reflect.Value) (f *frame, err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", p)
			}
		}
	}()
	return r.enter(c, u, vals)
}

// composeIn runs the part frame f that enter opened in an executing
// template when its shell is static, and reports whether it did: the
// template's call is then skipped.
func (r *run) composeIn(f *frame) (bool, error) {
	if f == nil || f.skip || !f.u.static.composes() {
		return false, nil
	}
	return true, r.execPart(f)
}
