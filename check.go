package statetemplate

import (
	"errors"
	"fmt"
	"html/template"
	"reflect"
	"text/template/parse"
)

// ErrTemplateData is wrapped by CheckData's errors: the template names a
// field, method or key that the data's type does not have.
var ErrTemplateData = errors.New("statetemplate: template does not fit the data type")

// CheckData checks that the template called name ("" is the renderer's
// own) can render data of sample's type: every field, method and map
// element it reaches from the data exists, following {{with}}, {{range}},
// variables and {{template}} calls. It reports at startup what
// html/template would report at the first render of a page ("can't
// evaluate field Titel in type *Data"). What it cannot know, it does not
// check: values of interface type, results of functions. Package live
// checks its App's templates this way.
func (r *Renderer) CheckData(name string, sample any) error {
	if err := r.checkTemplate(name); err != nil {
		return err
	}
	t := r.tmpl
	if name != "" {
		t = r.tmpl.Lookup(name)
	}
	c := &checker{set: r.tmpl, seen: map[checked]bool{}}
	c.template(t, reflect.TypeOf(sample))
	return errors.Join(c.errs...)
}

// maxCheckErrors bounds what one CheckData reports.
const maxCheckErrors = 8

type checked struct {
	name string
	dot  reflect.Type
}

type checker struct {
	set  *template.Template
	seen map[checked]bool
	errs []error
}

// variable is a template variable and its type (nil when unknown).
type variable struct {
	name string
	typ  reflect.Type
}

// vars are the variables in scope, innermost last.
type vars []variable

func (v vars) lookup(name string) (reflect.Type, bool) {
	for i := len(v) - 1; i >= 0; i-- {
		if v[i].name == name {
			return v[i].typ, true
		}
	}
	return nil, false
}

func (c *checker) template(t *template.Template, dot reflect.Type) {
	if t == nil || t.Tree == nil || t.Tree.Root == nil || c.seen[checked{t.Name(), dot}] {
		return
	}
	c.seen[checked{t.Name(), dot}] = true
	c.list(t.Tree, t.Tree.Root, dot, vars{{name: "$", typ: dot}})
}

func (c *checker) fail(tree *parse.Tree, n parse.Node, format string, args ...any) {
	if len(c.errs) >= maxCheckErrors {
		return
	}
	loc, _ := tree.ErrorContext(n)
	c.errs = append(c.errs, fmt.Errorf("%w: %s: %s", ErrTemplateData, loc, fmt.Sprintf(format, args...)))
}

func (c *checker) list(tree *parse.Tree, l *parse.ListNode, dot reflect.Type, vs vars) vars {
	if l == nil {
		return vs
	}
	for _, n := range l.Nodes {
		vs = c.node(tree, n, dot, vs)
	}
	return vs
}

// node checks n and returns the variables in scope after it.
func (c *checker) node(tree *parse.Tree, n parse.Node, dot reflect.Type, vs vars) vars {
	switch n := n.(type) {
	case *parse.ActionNode:
		_, vs = c.pipe(tree, n.Pipe, dot, vs)
	case *parse.IfNode:
		c.branch(tree, &n.BranchNode, dot, vs, false)
	case *parse.WithNode:
		c.branch(tree, &n.BranchNode, dot, vs, true)
	case *parse.RangeNode:
		typ, inner := c.pipe(tree, n.Pipe, dot, vs)
		elem, key := rangeTypes(typ)
		if d := n.Pipe.Decl; len(d) > 0 {
			// $v := ... or $k, $v := ...: the declarations pipe made hold
			// the range's type; rebind them to key and element.
			inner = inner[:len(inner)-len(d)]
			if len(d) == 1 {
				inner = append(inner, variable{d[0].Ident[0], elem})
			} else {
				inner = append(inner, variable{d[0].Ident[0], key}, variable{d[1].Ident[0], elem})
			}
		}
		c.list(tree, n.List, elem, inner)
		c.list(tree, n.ElseList, dot, vs)
	case *parse.TemplateNode:
		typ := dot
		if n.Pipe != nil {
			typ, _ = c.pipe(tree, n.Pipe, dot, vs)
		}
		called := c.set.Lookup(n.Name)
		if called == nil {
			c.fail(tree, n, "no such template %q", n.Name)
		} else if typ != nil {
			c.template(called, typ)
		}
	case *parse.ListNode:
		c.list(tree, n, dot, vs)
	}
	return vs
}

func (c *checker) branch(tree *parse.Tree, b *parse.BranchNode, dot reflect.Type, vs vars, with bool) {
	typ, inner := c.pipe(tree, b.Pipe, dot, vs)
	body := dot
	if with {
		body = typ
	}
	c.list(tree, b.List, body, inner)
	c.list(tree, b.ElseList, dot, vs)
}

// pipe checks p and returns its type (nil when unknown) and the variables
// in scope after its declarations.
func (c *checker) pipe(tree *parse.Tree, p *parse.PipeNode, dot reflect.Type, vs vars) (reflect.Type, vars) {
	if p == nil {
		return nil, vs
	}
	var typ reflect.Type
	for i, cmd := range p.Cmds {
		t := c.command(tree, cmd, dot, vs)
		if i == 0 {
			typ = t
		} else {
			typ = nil // a function fed the previous result
		}
	}
	for _, d := range p.Decl {
		if p.IsAssign {
			continue
		}
		vs = append(vs, variable{d.Ident[0], typ})
	}
	return typ, vs
}

// command checks cmd and returns its type when it is known.
func (c *checker) command(tree *parse.Tree, cmd *parse.CommandNode, dot reflect.Type, vs vars) reflect.Type {
	for _, arg := range cmd.Args[1:] {
		c.operand(tree, arg, dot, vs)
	}
	first := cmd.Args[0]
	if id, ok := first.(*parse.IdentifierNode); ok {
		return builtinResult(id.Ident)
	}
	return c.operand(tree, first, dot, vs)
}

func (c *checker) operand(tree *parse.Tree, n parse.Node, dot reflect.Type, vs vars) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return c.fields(tree, n, dot, n.Ident)
	case *parse.VariableNode:
		typ, ok := vs.lookup(n.Ident[0])
		if !ok {
			return nil
		}
		return c.fields(tree, n, typ, n.Ident[1:])
	case *parse.ChainNode:
		typ := c.operand(tree, n.Node, dot, vs)
		return c.fields(tree, n, typ, n.Field)
	case *parse.PipeNode:
		typ, _ := c.pipe(tree, n, dot, vs)
		return typ
	case *parse.StringNode:
		return reflect.TypeFor[string]()
	case *parse.BoolNode:
		return reflect.TypeFor[bool]()
	}
	return nil
}

var errorType = reflect.TypeFor[error]()

// fields resolves a chain of field, method and map key names from typ,
// reporting the first that typ does not have. Unknown types stop it.
func (c *checker) fields(tree *parse.Tree, n parse.Node, typ reflect.Type, names []string) reflect.Type {
	for _, name := range names {
		if typ == nil || typ.Kind() == reflect.Interface && typ.NumMethod() == 0 {
			return nil
		}
		if m, ok := typ.MethodByName(name); ok {
			typ = methodResult(m.Type)
			continue
		}
		base := typ
		for base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		if m, ok := reflect.PointerTo(base).MethodByName(name); ok {
			typ = methodResult(m.Type)
			continue
		}
		switch base.Kind() {
		case reflect.Struct:
			f, ok := base.FieldByName(name)
			if !ok || !f.IsExported() {
				c.fail(tree, n, "can't evaluate field %s in type %v", name, typ)
				return nil
			}
			typ = f.Type
		case reflect.Map:
			typ = base.Elem()
		case reflect.Interface:
			return nil
		default:
			c.fail(tree, n, "can't evaluate field %s in type %v", name, typ)
			return nil
		}
	}
	return typ
}

// methodResult is the type a method call yields in a template: its first
// result.
func methodResult(m reflect.Type) reflect.Type {
	if m.NumOut() == 0 || m.NumOut() == 2 && m.Out(1) != errorType {
		return nil
	}
	return m.Out(0)
}

// rangeTypes returns the element and key types of ranging over typ.
func rangeTypes(typ reflect.Type) (elem, key reflect.Type) {
	if typ == nil {
		return nil, nil
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch typ.Kind() {
	case reflect.Slice, reflect.Array:
		return typ.Elem(), reflect.TypeFor[int]()
	case reflect.Map:
		return typ.Elem(), typ.Key()
	case reflect.Chan:
		return typ.Elem(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return typ, typ
	}
	return nil, nil
}

// builtinResult is the type of text/template's built-in functions whose
// result type does not depend on their arguments; nil for any other
// function.
func builtinResult(name string) reflect.Type {
	switch name {
	case "len":
		return reflect.TypeFor[int]()
	case "print", "printf", "println", "html", "js", "urlquery":
		return reflect.TypeFor[string]()
	case "eq", "ne", "lt", "le", "gt", "ge", "not":
		return reflect.TypeFor[bool]()
	}
	return nil
}
