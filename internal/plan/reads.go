package plan

import (
	"slices"
	"text/template/parse"
)

// A unit's inputs are its dot (0), the root $ (1) and the variables it
// uses from the scope around it (2 and up). What it reads is kept per
// input and first path step: at run time a read with a step of the whole
// data, or of any input in a shell key, narrows to that field or map key
// where the encoding holds it apart (see run.narrow), and any other read
// takes the input whole (a method, a function or a deeper path may use any
// of it).

// read is one input, narrowed to its field step when step is not "".
// fid is 1 + the index of step among the plan's root fields (see
// Plan.indexRootFields), set after the analysis; 0 when it has none.
type read struct {
	in   int
	step string
	fid  int32
}

// sym is what the analysis knows of a value: a path under an input
// (in >= 0), or a value computed from reads (in < 0), or anything (all).
// A computed value that a shell key can compute itself, as text/template
// would (a constant, a pure builtin of such values), has its native.
type sym struct {
	in   int
	path []string
	deps []read
	all  bool
	nx   *native
}

func input(i int) sym { return sym{in: i} }

// field returns s.names.
func (s sym) field(names ...string) sym {
	if len(names) == 0 {
		return s
	}
	if s.in < 0 {
		return sym{in: -1, deps: s.deps, all: s.all} // a field of a computed value
	}
	return sym{in: s.in, path: append(slices.Clip(s.path), names...)}
}

// reads returns what using s reads.
func (s sym) reads() ([]read, bool) {
	switch {
	case s.all:
		return nil, true
	case s.in >= 0:
		r := read{in: s.in}
		if len(s.path) > 0 {
			r.step = s.path[0]
		}
		return []read{r}, false
	}
	return s.deps, false
}

// computed returns the sym of a value computed from the syms args.
func computed(args ...sym) sym {
	var out sym
	out.in = -1
	for _, a := range args {
		rs, all := a.reads()
		if all {
			return sym{in: -1, all: true}
		}
		out.deps = append(out.deps, rs...)
	}
	return out
}

// readSet collects a unit's reads.
type readSet struct {
	reads    []read
	all      bool
	volatile bool
	// A shell's (see shell.go): what it computes natively, and whether
	// it has units it cannot find without running (opaque).
	natives []nread
	opaque  bool
}

func (r *readSet) add(s sym) {
	rs, all := s.reads()
	if all {
		r.all = true
		return
	}
	for _, x := range rs {
		if !slices.Contains(r.reads, x) {
			r.reads = append(r.reads, x)
		}
	}
}

// mapInto adds to r the reads of a callee, given how each callee input
// derives from r's unit (args) and what the callee reads (of its inputs).
func (r *readSet) mapInto(callee *readSet, args []sym) {
	if callee.volatile {
		r.volatile = true
	}
	if callee.all {
		for _, a := range args {
			r.add(a)
		}
		return
	}
	for _, x := range callee.reads {
		if x.in >= len(args) {
			r.all = true
			continue
		}
		a := args[x.in]
		if x.step != "" && a.in >= 0 && len(a.path) == 0 {
			a = a.field(x.step)
		}
		r.add(a)
	}
}

// scope is the symbolic environment inside a unit: dot and the variables.
type scope struct {
	dot  sym
	vars []named
}

type named struct {
	name string
	sym  sym
}

func (s *scope) lookup(name string) (sym, bool) {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			return s.vars[i].sym, true
		}
	}
	return sym{}, false
}

func (s *scope) declare(name string, v sym) { s.vars = append(s.vars, named{name, v}) }

func (s *scope) assign(name string, v sym) {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			s.vars[i].sym = v
			return
		}
	}
}

// mark and reset bound a control structure's variables.
func (s *scope) mark() int   { return len(s.vars) }
func (s *scope) reset(m int) { s.vars = s.vars[:m] }

// visible returns the names of the variables in scope, $ excluded.
func (s *scope) visible() map[string]bool {
	out := make(map[string]bool, len(s.vars))
	for _, v := range s.vars {
		if v.name != "$" {
			out[v.name] = true
		}
	}
	return out
}

// analyzer evaluates pipelines symbolically within one unit. rs collects
// all the unit reads, the units inside it included; sh (when not nil)
// what its shell reads: the unit without the units inside it.
type analyzer struct {
	sc       *scope
	rs       *readSet
	sh       *readSet
	volatile func(name string, args int) bool
	// builtins reports whether name is text/template's builtin in this
	// set (an app may redefine one).
	builtins func(name string) bool
}

// read records that the value s is used: printed, or as a condition
// (truth), whose shell needs only its truth.
func (a *analyzer) read(s sym, truth bool) {
	a.rs.add(s)
	if a.sh != nil {
		a.sh.addShell(s, truth)
	}
}

// markVolatile records a call of a volatile function or method.
func (a *analyzer) markVolatile() {
	a.rs.volatile = true
	if a.sh != nil {
		a.sh.volatile = true
	}
}

// pipe evaluates p, records what it reads, declares or assigns its
// variables, and returns its value.
func (a *analyzer) pipe(p *parse.PipeNode) sym {
	if p == nil {
		return sym{in: -1}
	}
	var v sym
	for i, c := range p.Cmds {
		var final *sym
		if i > 0 {
			final = &v
		}
		v = a.command(c, final)
	}
	for _, d := range p.Decl {
		if p.IsAssign {
			a.sc.assign(d.Ident[0], v)
		} else {
			a.sc.declare(d.Ident[0], v)
		}
	}
	return v
}

// command evaluates one command; final is the piped-in value.
func (a *analyzer) command(c *parse.CommandNode, final *sym) sym {
	if len(c.Args) == 0 {
		return sym{in: -1}
	}
	args := make([]sym, 0, len(c.Args))
	for _, n := range c.Args[1:] {
		args = append(args, a.operand(n))
	}
	if final != nil {
		args = append(args, *final)
	}
	switch n := c.Args[0].(type) {
	case *parse.IdentifierNode:
		if a.volatile(n.Ident, len(args)) {
			a.markVolatile()
		}
		out := computed(args...)
		if a.builtins != nil && a.builtins(n.Ident) {
			out.nx = builtin(n.Ident, args)
		}
		if out.nx != nil {
			a.rs.add(out) // a shell reads it where it is used
			return out
		}
		a.read(out, false)
		return out
	default:
		head := a.operand(n)
		if len(args) == 0 {
			return head
		}
		// A method called with arguments reads its receiver and them.
		out := computed(append(args, head)...)
		a.read(out, false)
		return out
	}
}

// operand evaluates an argument node.
func (a *analyzer) operand(n parse.Node) sym {
	switch n := n.(type) {
	case *parse.DotNode:
		return a.sc.dot
	case *parse.FieldNode:
		a.method(n.Ident)
		return a.sc.dot.field(n.Ident...)
	case *parse.VariableNode:
		a.method(n.Ident[1:])
		v, ok := a.sc.lookup(n.Ident[0])
		if !ok {
			return sym{in: -1, all: true}
		}
		return v.field(n.Ident[1:]...)
	case *parse.ChainNode:
		a.method(n.Field)
		return a.operand(n.Node).field(n.Field...)
	case *parse.PipeNode:
		m := a.sc.mark()
		v := a.pipe(n)
		a.sc.reset(m)
		return v
	case *parse.IdentifierNode:
		if a.volatile(n.Ident, 0) {
			a.markVolatile()
		}
		return sym{in: -1}
	}
	return sym{in: -1, nx: constant(n)}
}

// method marks a path step that names a volatile method.
func (a *analyzer) method(names []string) {
	for _, name := range names {
		if a.volatile(name, -1) {
			a.markVolatile()
		}
	}
}
