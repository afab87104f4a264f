package plan

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"text/template/parse"
)

type unitKind uint8

const (
	kindPart  unitKind = iota // an id'd element
	kindRange                 // a {{range}} whose rows hold parts
)

// unit is a part or a range of the rewritten set.
type unit struct {
	id   int
	kind unitKind
	name string // the template of the part, or of one row
	// args derive the unit's inputs from its caller's: dot, root, then the
	// free variables. A range's args[0] is its collection.
	args  []sym
	vars  []string // the free variables, bound as inputs 2 and up
	rvars []string // a range's declared variables, after the free ones
	rs    readSet  // what the unit reads of its inputs
	shell readSet  // what its shell reads: the unit without the units inside it
	leaf  bool     // no unit inside: its output can be shared whole
	// native: the rows of a range are iterated in Go (see Build).
	native   bool
	fallback *parse.TemplateNode
	use      cacheUse // whether its HTML is looked up in the shared cache
	// static, for a part whose shell is static text, composes it rather
	// than executing its template (compose.go).
	static *static
	// leafMisses counts a composed leaf's renders in a row that could not
	// compose it (leaf.go): past maxLeafMisses it is executed at once.
	leafMisses atomic.Int32
}

// nin is the number of a unit's (or a row's) inputs.
func (u *unit) nin() int { return 2 + len(u.vars) + len(u.rvars) }

// site is a {{template}} call of a rewritten template: args[0] derives the
// callee's dot (and root) from the caller.
type site struct{ args []sym }

type builder struct {
	orig     map[string]*parse.Tree // the app's trees
	cur      *parse.Tree            // the app's tree being rewritten
	out      map[string]*parse.Tree // trees added or replaced in the rewritten set
	units    []*unit
	sites    []site
	need     map[string]int8
	bal      map[string]int8
	reads    map[string]*readSet // of rewritten templates, relative to their dot
	shells   map[string]*readSet // the shells of rewritten templates
	plain    map[string]bool
	volatile func(name string, args int) bool
	builtins func(name string) bool // see analyzer
}

const (
	memoBusy int8 = iota + 1
	memoYes
	memoNo
)

// needs reports whether template name, or one it calls with a pipeline,
// has a part: only those are rewritten.
func (b *builder) needs(name string) bool {
	switch b.need[name] {
	case memoYes:
		return true
	case memoNo, memoBusy:
		return false
	}
	b.need[name] = memoBusy
	t := b.orig[name]
	yes := t != nil && b.listNeeds(t.Root)
	b.need[name] = memoNo
	if yes {
		b.need[name] = memoYes
	}
	return yes
}

func (b *builder) listNeeds(l *parse.ListNode) bool { return b.partsIn(l, true) }

// hasParts reports whether a row of l would render a part: in l, in its
// conditional branches or in a template it calls (not in a nested range,
// whose rows are units of their own).
func (b *builder) hasParts(l *parse.ListNode) bool { return b.partsIn(l, false) }

// partsIn reports whether l renders a part: in l, in its branches, in a
// template it calls with a pipeline, and in its ranges when ranges is set.
func (b *builder) partsIn(l *parse.ListNode, ranges bool) bool {
	if l == nil {
		return false
	}
	if len(scanList(l, 0, b.balanced)) > 0 {
		return true
	}
	for _, n := range l.Nodes {
		if c, ok := n.(*parse.TemplateNode); ok && c.Pipe != nil && b.needs(c.Name) {
			return true
		}
		if _, isRange := n.(*parse.RangeNode); isRange && !ranges {
			continue
		}
		for _, l := range branchLists(n) {
			if b.partsIn(l, ranges) {
				return true
			}
		}
	}
	return false
}

// balanced reports whether template name outputs balanced markup.
func (b *builder) balanced(name string) bool {
	switch b.bal[name] {
	case memoYes:
		return true
	case memoNo, memoBusy:
		return false
	}
	b.bal[name] = memoBusy
	t := b.orig[name]
	ok := t != nil && balancedList(t.Root, b.balanced)
	b.bal[name] = memoNo
	if ok {
		b.bal[name] = memoYes
	}
	return ok
}

// template rewrites template name, which needs it, and returns what it
// reads of its dot.
func (b *builder) template(name string) *readSet {
	if rs, ok := b.reads[name]; ok {
		if rs == nil { // recursion: assume the worst
			return &readSet{all: true}
		}
		return rs
	}
	b.reads[name] = nil
	t := b.orig[name]
	rs, sh := &readSet{}, &readSet{}
	b.shells[name] = sh
	a := &analyzer{sc: &scope{dot: input(0), vars: []named{{"$", input(1)}}}, rs: rs, sh: sh, volatile: b.volatile, builtins: b.builtins}
	saved := b.cur
	b.cur = t
	body := b.list(t.Root, a, 0)
	b.cur = saved
	b.out[name] = b.tree(name, t, wrap(body, nil, false))
	b.reads[name] = rs
	return rs
}

func (b *builder) tree(name string, from *parse.Tree, root *parse.ListNode) *parse.Tree {
	t := parse.New(name)
	t.ParseName = from.ParseName
	t.Root = root
	return t
}

// list rewrites l, carving its parts; minDepth is 1 for a part's own list,
// whose root element is the part itself.
func (b *builder) list(l *parse.ListNode, a *analyzer, minDepth int) *parse.ListNode {
	if l == nil {
		return nil
	}
	spans := scanList(l, minDepth, b.balanced)
	out := &parse.ListNode{NodeType: parse.NodeList, Pos: l.Pos}
	nodes := l.Nodes
	i, off := 0, 0
	for i < len(nodes) {
		if len(spans) > 0 && spans[0].start.node == i {
			sp := spans[0]
			spans = spans[1:]
			sp.start.off = leadStart(nodes[i], off, sp.start.off)
			if t := textFrom(nodes[i], off, sp.start.off); t != nil {
				out.Nodes = append(out.Nodes, t)
			}
			body := carve(nodes, sp)
			if call := b.part(body, a); call != nil {
				out.Nodes = append(out.Nodes, call)
			} else {
				out.Nodes = append(out.Nodes, b.list(body, a, 1).Nodes...)
			}
			i, off = sp.end.node, sp.end.off
			continue
		}
		n := nodes[i]
		if t, ok := n.(*parse.TextNode); ok {
			if c := textFrom(t, off, len(t.Text)); c != nil {
				out.Nodes = append(out.Nodes, c)
			}
		} else {
			out.Nodes = append(out.Nodes, b.node(n, a)...)
		}
		i, off = i+1, 0
	}
	return out
}

// leadStart returns where the whitespace before offset at of text node n
// starts, not before from: a part begins with it, as its fragment does
// (the fragments engine counts the whitespace before an element, its
// lead, as the element's). HTML comments between are skipped too:
// html/template drops them, joining the whitespace around them.
func leadStart(n parse.Node, from, at int) int {
	t, ok := n.(*parse.TextNode)
	if !ok {
		return at
	}
	text := t.Text[:at]
	for at > from {
		switch c := text[at-1]; {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f':
			at--
			continue
		case c == '>' && bytes.HasSuffix(text[:at], []byte("-->")):
			if open := bytes.LastIndex(text[from:at-3], []byte("<!--")); open >= 0 {
				at = from + open
				continue
			}
		}
		break
	}
	return at
}

// textFrom returns a copy of text node n cut to [from, to), or nil when
// that is empty.
func textFrom(n parse.Node, from, to int) parse.Node {
	t := n.(*parse.TextNode)
	if from >= to {
		return nil
	}
	c := t.Copy().(*parse.TextNode)
	c.Text = c.Text[from:to]
	return c
}

// carve returns the nodes of span sp as a list of its own.
func carve(nodes []parse.Node, sp span) *parse.ListNode {
	if sp.start.node == sp.end.node {
		return list(textFrom(nodes[sp.start.node], sp.start.off, sp.end.off))
	}
	out := list(textFrom(nodes[sp.start.node], sp.start.off, len(nodes[sp.start.node].(*parse.TextNode).Text)))
	out.Nodes = append(out.Nodes, nodes[sp.start.node+1:sp.end.node]...)
	if t := textFrom(nodes[sp.end.node], 0, sp.end.off); t != nil {
		out.Nodes = append(out.Nodes, t)
	}
	return out
}

// node rewrites one non-text node.
func (b *builder) node(n parse.Node, a *analyzer) []parse.Node {
	switch n := n.(type) {
	case *parse.ActionNode:
		v := a.pipe(n.Pipe)
		if len(n.Pipe.Decl) == 0 {
			a.read(v, false) // printed
		}
		c := n.Copy().(*parse.ActionNode)
		renameRoot(c.Pipe)
		return []parse.Node{c}
	case *parse.IfNode:
		m := a.sc.mark()
		a.read(a.pipe(n.Pipe), true)
		then, els := b.branches(n.List, n.ElseList, a, a.sc.dot)
		c := ifNode(b.copyPipe(n.Pipe), then, els)
		a.sc.reset(m)
		return []parse.Node{c}
	case *parse.WithNode:
		m := a.sc.mark()
		v := a.pipe(n.Pipe)
		a.read(v, true)
		then, els := b.branches(n.List, n.ElseList, a, v)
		c := &parse.WithNode{BranchNode: parse.BranchNode{NodeType: parse.NodeWith, Pipe: b.copyPipe(n.Pipe), List: then, ElseList: els}}
		a.sc.reset(m)
		return []parse.Node{c}
	case *parse.RangeNode:
		return b.rangeNode(n, a)
	case *parse.TemplateNode:
		return []parse.Node{b.call(n, a)}
	default:
		return []parse.Node{n.Copy()}
	}
}

// branches rewrites the lists of an if or with: then with dot d, els with
// the current dot; each sees the variables in scope and those of the
// pipeline, not the other's.
func (b *builder) branches(then, els *parse.ListNode, a *analyzer, d sym) (*parse.ListNode, *parse.ListNode) {
	decl := a.sc.mark()
	saved := a.sc.dot
	a.sc.dot = d
	t := b.list(then, a, 0)
	a.sc.dot = saved
	a.sc.reset(decl)
	e := b.list(els, a, 0)
	return t, e
}

func (b *builder) copyPipe(p *parse.PipeNode) *parse.PipeNode {
	if p == nil {
		return nil
	}
	c := p.CopyPipe()
	renameRoot(c)
	return c
}

// part carves body, an id'd element, into a template called in its place,
// or returns nil when its body cannot stand alone.
func (b *builder) part(body *parse.ListNode, a *analyzer) parse.Node {
	vars, ok := freeVars(body, a.sc.visible(), true)
	if !ok {
		return nil
	}
	u := &unit{id: len(b.units), kind: kindPart, vars: vars}
	u.name = prefix + "p" + strconv.Itoa(u.id)
	b.units = append(b.units, u)
	before := len(b.units)
	ua := a.child(u)
	rewritten := b.list(body, ua, 1)
	u.leaf = len(b.units) == before
	u.args = a.args(u.vars)
	a.rs.mapInto(&u.rs, u.args)
	if a.sh != nil {
		a.sh.opaque = a.sh.opaque || !paths(u.args)
	}
	b.out[u.name] = b.tree(u.name, b.cur, wrap(rewritten, u.vars, true))
	vals := []parse.Node{dot(), variable(varRoot)}
	for _, v := range u.vars {
		vals = append(vals, variable(v))
	}
	// {{with _st_enter $_st_c N . $_st_r vars...}}{{template "_st_pN" .}}{{end}}:
	// a part spliced or from the cache has no frame, and is not called.
	return withNode(pipe("", frameArgs(fnEnter, u.id, vals...)...), list(templateCall(u.name, pipe("", dot()))))
}

// child returns the analyzer of unit u's body: its inputs are dot, root
// and u's variables (and a range's declared ones).
func (a *analyzer) child(u *unit) *analyzer {
	sc := &scope{dot: input(0), vars: []named{{"$", input(1)}}}
	for i, v := range append(slices.Clip(u.vars), u.rvars...) {
		sc.declare(v, input(2+i))
	}
	return &analyzer{sc: sc, rs: &u.rs, sh: &u.shell, volatile: a.volatile, builtins: a.builtins}
}

// args returns the syms of a unit's inputs at its call site.
func (a *analyzer) args(vars []string) []sym {
	root, _ := a.sc.lookup("$")
	out := []sym{a.sc.dot, root}
	for _, v := range vars {
		s, _ := a.sc.lookup(v)
		out = append(out, s)
	}
	return out
}

// freeVars returns the variables body uses from the scope around it
// (visible), in order of first use. It reports false when body cannot
// run in a template of its own: it assigns a variable from outside, breaks
// out of or continues a range around it, or, for a part (carved), declares
// a variable at its top level, which the original keeps visible after it.
func freeVars(body *parse.ListNode, visible map[string]bool, carved bool) ([]string, bool) {
	for _, n := range body.Nodes {
		if act, ok := n.(*parse.ActionNode); ok && carved && len(act.Pipe.Decl) > 0 && !act.Pipe.IsAssign {
			return nil, false
		}
	}
	var vars []string
	ok := true
	walkNodes(body, 0, func(n parse.Node, ranges int) {
		switch n.(type) {
		case *parse.BreakNode, *parse.ContinueNode:
			if ranges == 0 {
				ok = false
			}
		}
		pipes(n, func(p *parse.PipeNode) {
			if p.IsAssign {
				for _, d := range p.Decl {
					if visible[d.Ident[0]] {
						ok = false
					}
				}
			}
			eachArg(p, func(x parse.Node) {
				if v, isVar := x.(*parse.VariableNode); isVar && visible[v.Ident[0]] && !slices.Contains(vars, v.Ident[0]) {
					vars = append(vars, v.Ident[0])
				}
			})
		})
	})
	for _, v := range vars {
		if strings.HasPrefix(v, "$"+prefix) {
			return nil, false
		}
	}
	return vars, ok
}

// call rewrites a {{template}} call.
func (b *builder) call(n *parse.TemplateNode, a *analyzer) parse.Node {
	switch {
	case n.Pipe == nil:
		// No dot to bind: the callee runs as the app wrote it.
		b.plainCopy(n.Name)
		if b.callsVolatile(n.Name, map[string]bool{}) {
			a.markVolatile()
		}
		return templateCall(plainName(n.Name), nil)
	case len(n.Pipe.Decl) > 0 || !b.needs(n.Name):
		v := a.pipe(n.Pipe)
		a.read(v, false)
		if b.callsVolatile(n.Name, map[string]bool{}) {
			a.markVolatile()
		}
		c := n.Copy().(*parse.TemplateNode)
		renameRoot(c.Pipe)
		return c
	}
	m := a.sc.mark()
	v := a.pipe(n.Pipe)
	a.sc.reset(m)
	callee := b.template(n.Name)
	args := []sym{v, v}
	a.rs.mapInto(callee, args)
	if a.sh != nil {
		// The parts of the callee are not the caller's to find.
		a.sh.opaque = true
	}
	id := len(b.sites)
	b.sites = append(b.sites, site{args: args})
	arg := b.copyPipe(n.Pipe)
	return templateCall(n.Name, pipe("", frameArgs(fnCall, id, arg)...))
}

func plainName(name string) string { return prefix + "plain_" + name }

// plainCopy adds template name, as the app wrote it, under plainName, with
// its calls going to plain copies too.
func (b *builder) plainCopy(name string) {
	pn := plainName(name)
	if _, done := b.out[pn]; done || b.plain[name] {
		return
	}
	b.plain[name] = true
	t := b.orig[name]
	if t == nil {
		return // an undefined template fails as it would
	}
	c := t.Copy()
	c.Name = pn
	walkNodes(c.Root, 0, func(n parse.Node, _ int) {
		if call, ok := n.(*parse.TemplateNode); ok {
			b.plainCopy(call.Name)
			call.Name = plainName(call.Name)
		}
	})
	b.out[pn] = c
}

// callsVolatile reports whether template name, or one it calls, calls a
// volatile function or method.
func (b *builder) callsVolatile(name string, seen map[string]bool) bool {
	if seen[name] || b.orig[name] == nil {
		return false
	}
	seen[name] = true
	found := false
	walkNodes(b.orig[name].Root, 0, func(n parse.Node, _ int) {
		if call, ok := n.(*parse.TemplateNode); ok && b.callsVolatile(call.Name, seen) {
			found = true
		}
		pipes(n, func(p *parse.PipeNode) {
			rs := &readSet{}
			(&analyzer{sc: &scope{dot: sym{in: -1}}, rs: rs, volatile: b.volatile}).pipe(p)
			found = found || rs.volatile
		})
	})
	return found
}

// rangeNode rewrites a {{range}}: natively iterable when its body is
// balanced markup with parts and can run as a template of its own.
func (b *builder) rangeNode(n *parse.RangeNode, a *analyzer) []parse.Node {
	m := a.sc.mark()
	coll := a.pipe(&parse.PipeNode{NodeType: parse.NodePipe, Cmds: n.Pipe.Cmds})
	a.rs.add(coll)
	var rvars []string
	for _, d := range n.Pipe.Decl {
		rvars = append(rvars, d.Ident[0])
	}
	vars, ok := freeVars(n.List, a.sc.visible(), false)
	native := ok && !n.Pipe.IsAssign && b.hasParts(n.List) && balancedList(n.List, b.balanced)
	if !native {
		if a.sh != nil {
			a.sh.addShell(coll, false)
		}
		elem := computed(coll)
		for _, v := range rvars {
			a.sc.declare(v, elem)
		}
		saved := a.sc.dot
		a.sc.dot = elem
		body := b.list(n.List, a, 0)
		a.sc.dot = saved
		a.sc.reset(m)
		els := b.list(n.ElseList, a, 0)
		return []parse.Node{rangeNode(b.copyPipe(n.Pipe), body, els)}
	}
	vars = slices.DeleteFunc(vars, func(v string) bool { return slices.Contains(rvars, v) })
	u := &unit{id: len(b.units), kind: kindRange, vars: vars, rvars: rvars}
	u.name = prefix + "row" + strconv.Itoa(u.id)
	b.units = append(b.units, u)
	before := len(b.units)
	body := b.list(n.List, a.child(u), 0)
	u.leaf = len(b.units) == before
	elem := computed(coll)
	u.args = append([]sym{coll}, a.args(vars)[1:]...)
	mapped := append([]sym{elem}, u.args[1:]...)
	for range rvars {
		mapped = append(mapped, elem)
	}
	a.rs.mapInto(&u.rs, mapped)
	if a.sh != nil {
		// Its rows are keyed on their own: the shell reads how many there
		// are, which decides the else branch too.
		a.sh.addLength(coll)
		a.sh.opaque = a.sh.opaque || !paths(u.args)
	}
	a.sc.reset(m)
	b.out[u.name] = b.tree(u.name, b.cur, wrap(body, append(slices.Clip(vars), rvars...), true))

	// {{$_st_sN := PIPE}}{{if _st_range $_st_c N $_st_sN $_st_r vars...}}{{else}}
	// {{range DECL := $_st_sN}}{{template "_st_rowN" (_st_row $_st_c N . $_st_r vars... rvars...)}}
	// {{else}}ELSE{{end}}{{end}}
	collVar := "$" + prefix + "s" + strconv.Itoa(u.id)
	cp := b.copyPipe(n.Pipe)
	decl := action(&parse.PipeNode{NodeType: parse.NodePipe, Cmds: cp.Cmds, Decl: []*parse.VariableNode{variable(collVar)}})
	shared := []parse.Node{variable(varRoot)}
	for _, v := range vars {
		shared = append(shared, variable(v))
	}
	native1 := pipe("", frameArgs(fnRange, u.id, append([]parse.Node{variable(collVar)}, shared...)...)...)
	rowVals := append([]parse.Node{dot()}, shared...)
	for _, v := range rvars {
		rowVals = append(rowVals, variable(v))
	}
	u.fallback = templateCall(u.name, pipe("", frameArgs(fnRow, u.id, rowVals...)...))
	loop := &parse.PipeNode{NodeType: parse.NodePipe, Decl: cp.Decl, IsAssign: cp.IsAssign,
		Cmds: []*parse.CommandNode{command(variable(collVar))}}
	els := b.list(n.ElseList, a, 0)
	fallback := rangeNode(loop, list(u.fallback), els)
	return []parse.Node{decl, ifNode(native1, list(), list(fallback))}
}
