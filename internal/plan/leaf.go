package plan

import (
	"bytes"
	"reflect"
	"strconv"
	"sync/atomic"
	"text/template/parse"
	"time"
)

// A leaf part (no part inside) whose escaped template is text, {{if}}s of
// natives, {{range}}s of a slice or array that bind at most one variable,
// and values printed in HTML text or a quoted attribute is composed as it
// goes rather than executed: a counter's history of five rows, each
// printing a string, a time's Format and an int, or a footer's time. A
// value printed is a native (a field path, a constant, a builtin of
// shell.go) or a time.Time's Format with one constant layout, and is
// written only when it is a string, a bool or an integer of the
// predeclared types, or Format's result: what html/template's escaper
// receives is then a plain string (or prints as fmt.Sprint does), which
// writeHTMLEscaped escapes byte for byte as the escaper's htmlReplacer
// does. Anything else met while composing (a value of another type, a
// method, a nil pointer, a map or a pointer ranged over, whatever a
// condition cannot compute) truncates what the part wrote and executes its
// template: a leaf enters no part and calls nothing but fields and
// time.Time.Format, so what it wrote is all it did.

// sprint is a value a leaf prints: x's value, or with format, x's
// time.Time formatted with the layout.
type sprint struct {
	x      *native
	format string
	isTime bool // x is a time.Time, printed as x.Format(format)
}

// srange is a leaf's {{range}}: coll's elements, each bound to dot and,
// when decl >= 0, to input decl; body for each, els when there is none
// (with input decl bound to coll, as text/template binds it there). env is
// the number of inputs inside the body and the else.
type srange struct {
	coll      *native
	decl      int
	env       int
	body, els []snode
}

// composeLeaves turns composing leaf parts on; the benchmarks and tests
// turn it off to compare, never while renders run.
var composeLeaves = true

// composedLeaves counts the leaf parts composed, and leavesExecuted those
// that began composing and were executed instead, for the tests.
var composedLeaves, leavesExecuted atomic.Int64

// escapers are html/template's escapers of a value in HTML text and in a
// quoted attribute value: for a plain string both are htmlReplacer with
// htmlReplacementTable.
var escapers = map[string]bool{"_html_template_htmlescaper": true, "_html_template_attrescaper": true}

// printOf returns what a leaf's {{action}} prints: {{X | escaper}}, X a
// native or a time's Format with one constant string; nil for anything
// else (or outside a leaf).
func (c *composer) printOf(n *parse.ActionNode) *sprint {
	if !c.leaf || n.Pipe == nil || len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 2 {
		return nil
	}
	esc := n.Pipe.Cmds[1].Args
	if len(esc) != 1 {
		return nil
	}
	if id, ok := esc[0].(*parse.IdentifierNode); !ok || !escapers[id.Ident] {
		return nil
	}
	cmd := n.Pipe.Cmds[0]
	if _, fn := cmd.Args[0].(*parse.IdentifierNode); !fn && len(cmd.Args) == 2 {
		// X.Format "layout": the receiver's path, then the method.
		layout, ok := cmd.Args[1].(*parse.StringNode)
		if !ok {
			return nil
		}
		var path []string
		var recv parse.Node
		switch a := cmd.Args[0].(type) {
		case *parse.FieldNode:
			path = a.Ident
			recv = &parse.FieldNode{NodeType: parse.NodeField, Ident: path[:len(path)-1]}
		case *parse.VariableNode:
			path = a.Ident
			recv = &parse.VariableNode{NodeType: parse.NodeVariable, Ident: path[:len(path)-1]}
		default:
			return nil
		}
		if path[len(path)-1] != "Format" {
			return nil
		}
		x := c.operand(recv)
		if x == nil || x.fn != "" || x.in < 0 || len(x.path) == 0 {
			return nil
		}
		return &sprint{x: x, format: layout.Text, isTime: true}
	}
	x := c.command(cmd)
	if x == nil {
		return nil
	}
	return &sprint{x: x}
}

// rangeOf returns a leaf's {{range}} of a native with at most one
// variable declared, or nil.
func (c *composer) rangeOf(n *parse.RangeNode) *srange {
	if !c.leaf || n.Pipe == nil || len(n.Pipe.Decl) > 1 || n.Pipe.IsAssign || len(n.Pipe.Cmds) != 1 {
		return nil
	}
	coll := c.command(n.Pipe.Cmds[0])
	if coll == nil {
		return nil
	}
	rg := &srange{coll: coll, decl: -1}
	vars := c.vars
	if len(n.Pipe.Decl) == 1 {
		d := n.Pipe.Decl[0]
		if len(d.Ident) != 1 {
			return nil
		}
		c.vars = append(vars[:len(vars):len(vars)], d.Ident[0])
		rg.decl = 1 + len(c.vars)
	}
	rg.env = 2 + len(c.vars)
	// The variable stays in scope in the else, as text/template keeps it,
	// bound to the collection (rangeLeaf).
	body, ok1 := c.list(n.List)
	els, ok2 := c.list(n.ElseList)
	c.vars = vars
	if !ok1 || !ok2 {
		return nil
	}
	rg.body, rg.els = body, els
	return rg
}

// varIn returns the input a variable of a leaf is: the root (1) or the
// innermost variable of that name in scope (2+i), or -1.
func (c *composer) varIn(name string) int {
	if name == varRoot {
		return 1
	}
	for i := len(c.vars) - 1; i >= 0; i-- {
		if c.vars[i] == name {
			return 2 + i
		}
	}
	return -1
}

// execLeaf writes leaf part frame f composed, or, when something cannot
// be computed, executed.
//
// A leaf that could not be composed maxLeafMisses renders in a row (a
// field that is a method of the data's type, a value of a type it does not
// print) is executed at once from then on, trying again once every
// leafRetry renders: trying every time would only add to the execution,
// which is exact, and never trying again would keep a leaf executed for
// the plan's life after a few early renders of data it could not compose
// (a nil pointer, a float in an interface) that is gone since.
func (r *run) execLeaf(f *frame, s *static) error {
	misses := f.u.leafMisses.Load()
	if misses >= maxLeafMisses && (misses-maxLeafMisses)%leafRetry != leafRetry-1 {
		f.u.leafMisses.Add(1) // counts the renders to the next try
		return r.p.parts[f.u.id].Execute(r.buf, f)
	}
	start := r.buf.Len()
	if f.vals[0].IsValid() && r.composeLeaf(s.body, f.vals) {
		if misses != 0 {
			f.u.leafMisses.Store(0)
		}
		composedLeaves.Add(1)
		return f.close()
	}
	r.buf.Truncate(start)
	f.u.leafMisses.Add(1)
	leavesExecuted.Add(1)
	return r.p.parts[f.u.id].Execute(r.buf, f)
}

// maxLeafMisses is how many renders in a row a leaf may fail to compose
// before it is executed at once; leafRetry is how many renders apart it
// then tries again.
const (
	maxLeafMisses = 16
	leafRetry     = 256
)

// composeLeaf writes nodes of a leaf with inputs env, and reports false
// when something cannot be computed (what it wrote is then to be cut).
func (r *run) composeLeaf(nodes []snode, env []reflect.Value) bool {
	for i := range nodes {
		sn := &nodes[i]
		switch {
		case sn.cond != nil:
			v, ok := evalNative(sn.cond, env)
			if !ok {
				return false
			}
			t, ok := isTrue(indirectInterface(v))
			if !ok {
				return false
			}
			branch := sn.els
			if t {
				branch = sn.then
			}
			if !r.composeLeaf(branch, env) {
				return false
			}
		case sn.print != nil:
			if !r.printLeaf(sn.print, env) {
				return false
			}
		case sn.rng != nil:
			if !r.rangeLeaf(sn.rng, env) {
				return false
			}
		default:
			r.buf.WriteString(sn.text)
		}
	}
	return true
}

// rangeLeaf writes a leaf's range rg with inputs env, as text/template's
// walkRange does for a slice or an array.
func (r *run) rangeLeaf(rg *srange, env []reflect.Value) bool {
	coll, ok := evalNative(rg.coll, env)
	if !ok {
		return false
	}
	v := indirectInterface(coll)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return false // a map's keys sorted, a pointer, nil, an int, a func: executed
	}
	if v.Len() == 0 && rg.decl < 0 {
		return r.composeLeaf(rg.els, env)
	}
	inner := r.valSlab(rg.env)
	copy(inner, env)
	if v.Len() == 0 {
		inner[rg.decl] = coll // text/template's variable in the else
		return r.composeLeaf(rg.els, inner)
	}
	for i := range v.Len() {
		elem := v.Index(i)
		inner[0] = elem
		if rg.decl >= 0 {
			inner[rg.decl] = elem
		}
		if !r.composeLeaf(rg.body, inner) {
			return false
		}
	}
	return true
}

// printLeaf writes a leaf's value p with inputs env, escaped, and reports
// false when it is not of a type printLeaf prints as html/template would.
func (r *run) printLeaf(p *sprint, env []reflect.Value) bool {
	v, ok := evalNative(p.x, env)
	if !ok || !v.IsValid() {
		return false
	}
	if p.isTime {
		if v.Type() != timeType || !v.CanInterface() {
			return false
		}
		writeHTMLEscaped(r.buf, v.Interface().(time.Time).Format(p.format))
		return true
	}
	v = indirectInterface(v)
	if !v.IsValid() {
		return false
	}
	var b [24]byte
	switch v.Type() {
	case reflect.TypeFor[string]():
		writeHTMLEscaped(r.buf, v.String())
	case reflect.TypeFor[bool]():
		r.buf.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.TypeFor[int](), reflect.TypeFor[int8](), reflect.TypeFor[int16](), reflect.TypeFor[int32](), reflect.TypeFor[int64]():
		r.buf.Write(strconv.AppendInt(b[:0], v.Int(), 10))
	case reflect.TypeFor[uint](), reflect.TypeFor[uint8](), reflect.TypeFor[uint16](), reflect.TypeFor[uint32](), reflect.TypeFor[uint64]():
		r.buf.Write(strconv.AppendUint(b[:0], v.Uint(), 10))
	default:
		return false
	}
	return true
}

// htmlReplacements is html/template's htmlReplacementTable: what its
// htmlEscaper and attrEscaper write for each rune below '?' of a plain
// string (the others are written as they are, invalid UTF-8 included).
var htmlReplacements = [...]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// writeHTMLEscaped writes s as html/template's htmlReplacer(s,
// htmlReplacementTable, true) returns it. That walks s by runes; a byte
// below 0x80 is always a rune of its own (a multi-byte rune's bytes, and
// an invalid byte, which it passes over alone, are all 0x80 and up), so
// walking the bytes replaces the same runes.
func writeHTMLEscaped(b *bytes.Buffer, s string) {
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if int(c) >= len(htmlReplacements) || htmlReplacements[c] == "" {
			continue
		}
		b.WriteString(s[written:i])
		b.WriteString(htmlReplacements[c])
		written = i + 1
	}
	b.WriteString(s[written:])
}
