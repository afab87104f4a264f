package plan

import (
	"strconv"
	"text/template/parse"
)

// Nodes built here have no tree and position 0: text/template reports an
// error at such a node against the template being executed, whose text
// starts at 0. Nodes copied from the app's trees keep their own.

// Names of the variables and functions the rewrite introduces. A template
// that already uses a name with the "_st_" prefix is not rewritten.
const (
	prefix   = "_st_"
	varFrame = "$_st_c"
	varRoot  = "$_st_r"

	fnVar   = "_st_var"
	fnDot   = "_st_dot"
	fnEnd   = "_st_end"
	fnEnter = "_st_enter"
	fnRange = "_st_range"
	fnRow   = "_st_row"
	fnCall  = "_st_call"
)

func list(nodes ...parse.Node) *parse.ListNode {
	return &parse.ListNode{NodeType: parse.NodeList, Nodes: nodes}
}

func ident(name string) *parse.IdentifierNode {
	return parse.NewIdentifier(name).SetPos(0).SetTree(nil)
}

func variable(name string) *parse.VariableNode {
	return &parse.VariableNode{NodeType: parse.NodeVariable, Ident: []string{name}}
}

func number(n int) *parse.NumberNode {
	return &parse.NumberNode{NodeType: parse.NodeNumber, IsInt: true, Int64: int64(n), Text: strconv.Itoa(n)}
}

func dot() *parse.DotNode { return &parse.DotNode{NodeType: parse.NodeDot} }

func command(args ...parse.Node) *parse.CommandNode {
	return &parse.CommandNode{NodeType: parse.NodeCommand, Args: args}
}

// pipe returns a pipeline of one command, declaring decl when it is not "".
func pipe(decl string, args ...parse.Node) *parse.PipeNode {
	p := &parse.PipeNode{NodeType: parse.NodePipe, Cmds: []*parse.CommandNode{command(args...)}}
	if decl != "" {
		p.Decl = []*parse.VariableNode{variable(decl)}
	}
	return p
}

func action(p *parse.PipeNode) *parse.ActionNode {
	return &parse.ActionNode{NodeType: parse.NodeAction, Pipe: p}
}

// ifNode is {{if cond}}then{{else}}els{{end}}.
func ifNode(cond *parse.PipeNode, then, els *parse.ListNode) *parse.IfNode {
	return &parse.IfNode{BranchNode: parse.BranchNode{NodeType: parse.NodeIf, Pipe: cond, List: then, ElseList: els}}
}

func rangeNode(p *parse.PipeNode, body, els *parse.ListNode) *parse.RangeNode {
	return &parse.RangeNode{BranchNode: parse.BranchNode{NodeType: parse.NodeRange, Pipe: p, List: body, ElseList: els}}
}

func templateCall(name string, p *parse.PipeNode) *parse.TemplateNode {
	return &parse.TemplateNode{NodeType: parse.NodeTemplate, Name: name, Pipe: p}
}

// frameArgs are the arguments of a call that creates a frame: the caller's
// frame, an id and the values.
func frameArgs(fn string, id int, vals ...parse.Node) []parse.Node {
	return append([]parse.Node{ident(fn), variable(varFrame), number(id)}, vals...)
}

// wrap returns the list of a rewritten template: it binds the frame, the
// root and the variables vars (inputs 2 and up), then runs body with dot
// bound to the frame's dot. A part or row (unit) reports its end.
func wrap(body *parse.ListNode, vars []string, unit bool) *parse.ListNode {
	out := list(action(pipe(varFrame, dot())), action(pipe(varRoot, ident(fnVar), variable(varFrame), number(1))))
	for i, v := range vars {
		out.Nodes = append(out.Nodes, action(pipe(v, ident(fnVar), variable(varFrame), number(2+i))))
	}
	out.Nodes = append(out.Nodes, rangeNode(pipe("", ident(fnDot), variable(varFrame)), body, nil))
	if unit {
		out.Nodes = append(out.Nodes, ifNode(pipe("", ident(fnEnd), variable(varFrame)), list(), nil))
	}
	return out
}

// withNode is {{with cond}}then{{end}}.
func withNode(cond *parse.PipeNode, then *parse.ListNode) *parse.WithNode {
	return &parse.WithNode{BranchNode: parse.BranchNode{NodeType: parse.NodeWith, Pipe: cond, List: then}}
}

// renameRoot renames $ to the root variable in p, which wrap binds: in a
// rewritten template, $ is the frame.
func renameRoot(p *parse.PipeNode) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			renameRootNode(a)
		}
	}
}

func renameRootNode(n parse.Node) {
	switch n := n.(type) {
	case *parse.VariableNode:
		if n.Ident[0] == "$" {
			n.Ident[0] = varRoot
		}
	case *parse.PipeNode:
		renameRoot(n)
	case *parse.ChainNode:
		renameRootNode(n.Node)
	}
}

// branchLists returns the lists of a control structure (if, with, range),
// or nil for any other node.
func branchLists(n parse.Node) []*parse.ListNode {
	switch n := n.(type) {
	case *parse.IfNode:
		return []*parse.ListNode{n.List, n.ElseList}
	case *parse.WithNode:
		return []*parse.ListNode{n.List, n.ElseList}
	case *parse.RangeNode:
		return []*parse.ListNode{n.List, n.ElseList}
	}
	return nil
}

// walkNodes calls fn for every node in l, depth first, with the depth of
// range nesting below l.
func walkNodes(l *parse.ListNode, ranges int, fn func(n parse.Node, ranges int)) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		fn(n, ranges)
		switch n := n.(type) {
		case *parse.IfNode:
			walkNodes(n.List, ranges, fn)
			walkNodes(n.ElseList, ranges, fn)
		case *parse.WithNode:
			walkNodes(n.List, ranges, fn)
			walkNodes(n.ElseList, ranges, fn)
		case *parse.RangeNode:
			walkNodes(n.List, ranges+1, fn)
			walkNodes(n.ElseList, ranges, fn)
		}
	}
}

// pipes calls fn for every pipeline of n itself (not of its lists).
func pipes(n parse.Node, fn func(*parse.PipeNode)) {
	switch n := n.(type) {
	case *parse.ActionNode:
		fn(n.Pipe)
	case *parse.IfNode:
		fn(n.Pipe)
	case *parse.WithNode:
		fn(n.Pipe)
	case *parse.RangeNode:
		fn(n.Pipe)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			fn(n.Pipe)
		}
	}
}

// eachArg calls fn for every argument node of p, nested pipelines included.
func eachArg(p *parse.PipeNode, fn func(parse.Node)) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			fn(a)
			switch a := a.(type) {
			case *parse.PipeNode:
				eachArg(a, fn)
			case *parse.ChainNode:
				fn(a.Node)
				if q, ok := a.Node.(*parse.PipeNode); ok {
					eachArg(q, fn)
				}
			}
		}
	}
}
