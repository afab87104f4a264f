package plan

import (
	"fmt"
	"html/template"
	"reflect"
	"sync/atomic"
	"text/template/parse"
)

// A part whose shell is static text (its template, as html/template
// escaped it, writes nothing but literal text around the calls of the
// parts inside it) is composed rather than executed: its text pieces are
// written and its parts entered as the template would enter them, so
// that neither text/template nor the reflection of its calls runs. Its
// output is byte for byte what executing it writes: the pieces are the
// escaped template's own text nodes, and the parts inside are entered
// (spliced, taken from the shared cache, executed or composed) in the
// same order and with the same inputs as the template's calls. A status
// footer with data-cache="false" whose spans are parts is then built
// from its text and its parts' outputs, the shared ones from the shared
// part cache by the exact bytes they read, and only the part that reads
// the session's own data (its id) is executed.

// static is the composition of a part whose shell is static text:
// pieces[i] is written before calls[i], and the last piece after them.
type static struct {
	pieces []string
	calls  []staticCall
}

// staticCall is one part called in a static shell, with where its inputs
// come from among the caller's: each is dot (0), the root (1) or a
// variable (2 and up).
type staticCall struct {
	unit int
	args []int
}

// staticShell returns the composition of part u, whose template t was
// escaped by html/template, or nil when its shell is not static text.
func staticShell(t *template.Template, u *unit, units []*unit) *static {
	if t == nil || t.Tree == nil || t.Tree.Root == nil || u.kind != kindPart || u.leaf {
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
	s := &static{}
	text := ""
	for _, n := range body.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			text += string(n.Text)
		case *parse.WithNode:
			c, ok := staticCallOf(n, u, units)
			if !ok {
				return nil
			}
			s.pieces = append(s.pieces, text)
			s.calls = append(s.calls, c)
			text = ""
		default:
			return nil
		}
	}
	if len(s.calls) == 0 {
		return nil
	}
	s.pieces = append(s.pieces, text)
	return s
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

// composeStatic turns composing on; the benchmarks turn it off to compare,
// never while renders run.
var composeStatic = true

// composedParts counts the parts composed, for the tests.
var composedParts atomic.Int64

// execPart writes the output of part frame f, entered and not skipped,
// into r's buffer: composed when its shell is static, else executed.
func (r *run) execPart(f *frame) error {
	s := f.u.static
	if s == nil || !composeStatic {
		return r.p.parts[f.u.id].Execute(r.buf, f)
	}
	if !f.vals[0].IsValid() {
		return fmt.Errorf("%w: no dot", errUnsupported) // as dotOf
	}
	composedParts.Add(1)
	for i, c := range s.calls {
		r.buf.WriteString(s.pieces[i])
		vals := r.valSlab(len(c.args))
		for j, a := range c.args {
			vals[j] = f.vals[a]
		}
		sub, err := r.safeEnter(f, r.p.units[c.unit], vals)
		if err != nil {
			return err
		}
		if sub != nil && !sub.skip {
			if err := r.execPart(sub); err != nil {
				return err
			}
		}
	}
	r.buf.WriteString(s.pieces[len(s.calls)])
	return f.close()
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
	if f == nil || f.skip || f.u.static == nil || !composeStatic {
		return false, nil
	}
	return true, r.execPart(f)
}
