package plan

import (
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"text/template/parse"
)

// ErrExecuted is returned by Build for a template that has been executed:
// html/template cannot clone it any more, so it cannot be analysed.
var ErrExecuted = errors.New("plan: the template was executed before it was analysed")

// errDryRun stops the executions Build uses to make html/template escape
// the rewritten set: no function of the app runs.
var errDryRun = errors.New("plan: dry run")

// Options configure Build.
type Options struct {
	// Volatile names the functions and methods whose result can differ
	// between calls with the same arguments (a clock, a random number):
	// the parts that call them are rendered on every update.
	Volatile []string
}

// Plan is the analysis of one template set: its rewritten copy, in which
// every part is a template of its own, and what each part reads. It is
// immutable and safe for concurrent use.
type Plan struct {
	exec    *template.Template
	units   []*unit
	parts   []*template.Template // by unit id: the template of a part
	rows    []*template.Template // by unit id: the row template of a native range
	sites   []site
	entries map[string]bool
	tmpls   map[string]*template.Template // the entries
	shells  map[string]*readSet           // the entries' shells
	root    string                        // the name of the template Build was given
	// id is the plan's random identity in shared cache keys.
	id        string
	cacheKeys cacheKeys
	// volatile are the entries that call a volatile function or method,
	// directly or through a template they call: their renders are never
	// shared between sessions (transitions.go).
	volatile    map[string]bool
	transitions transitions
	// rootFields are the field steps of the reads, by read.fid - 1, and
	// rootFieldIDs their index (rootfields.go).
	rootFields   []string
	rootFieldIDs map[string]int32
	rootKeys     atomic.Pointer[rootKeys]
	// flat keeps the flat nodes of the last memo a render made (flat.go).
	flat flatNodes
}

// Build analyses t, which must not have been executed. A template of the
// set whose parts cannot be proven to render exactly as written is left
// out of the plan: Entry reports false for it, and it renders whole.
func Build(t *template.Template, opts Options) (*Plan, error) {
	exec, err := t.Clone()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrExecuted, err)
	}
	verify, err := t.Clone()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrExecuted, err)
	}
	orig := map[string]*parse.Tree{}
	for _, x := range exec.Templates() {
		if x.Tree != nil && x.Tree.Root != nil {
			orig[x.Name()] = x.Tree
		}
	}
	p := &Plan{entries: map[string]bool{}, tmpls: map[string]*template.Template{}, id: rand.Text(), root: t.Name()}
	if usesPrefix(orig) {
		return p, nil // the names the rewrite introduces are taken
	}
	b := &builder{
		orig: orig, out: map[string]*parse.Tree{}, need: map[string]int8{}, bal: map[string]int8{},
		reads: map[string]*readSet{}, shells: map[string]*readSet{}, plain: map[string]bool{}, volatile: volatility(opts.Volatile),
		builtins: builtinsOf(t),
	}
	names := make([]string, 0, len(orig))
	for name := range orig {
		names = append(names, name)
	}
	slices.Sort(names)
	var rewritten []string
	for _, name := range names {
		if b.needs(name) {
			b.template(name)
			rewritten = append(rewritten, name)
		}
	}
	p.units, p.sites, p.shells = b.units, b.sites, b.shells
	p.indexRootFields()
	if len(rewritten) == 0 {
		return p, nil
	}
	fm := funcs()
	exec.Funcs(fm)
	verify.Funcs(fm)
	for name, tree := range b.out {
		if _, err := verify.AddParseTree(name, tree); err != nil {
			return nil, fmt.Errorf("plan: adding %s: %w", name, err)
		}
		if _, err := exec.AddParseTree(name, tree.Copy()); err != nil {
			return nil, fmt.Errorf("plan: adding %s: %w", name, err)
		}
	}
	p.volatile = map[string]bool{}
	for _, name := range rewritten {
		if err := dryRun(verify, name); err == nil {
			p.entries[name] = true
			p.tmpls[name] = exec.Lookup(name)
			p.volatile[name] = b.callsVolatile(name, map[string]bool{})
		}
	}
	p.parts = make([]*template.Template, len(p.units))
	p.rows = make([]*template.Template, len(p.units))
	for _, u := range p.units {
		switch {
		case u.kind == kindPart:
			p.parts[u.id] = exec.Lookup(u.name)
			if dryRun(verify, u.name) == nil {
				u.static = staticShell(verify.Lookup(u.name), u, p.units, b.builtins)
			}
		case sameEscaping(verify, u):
			u.native = true
			p.rows[u.id] = exec.Lookup(u.name)
		}
	}
	p.exec = exec
	return p, nil
}

// dryRun makes html/template escape template name and the templates it
// calls, and reports an escaping error. Execution stops at the first
// action of the rewrite, before anything of the app's runs.
func dryRun(set *template.Template, name string) error {
	err := set.ExecuteTemplate(io.Discard, name, nil)
	if errors.Is(err, errDryRun) {
		return nil
	}
	if err == nil {
		return errors.New("plan: dry run did not stop")
	}
	return err
}

// sameEscaping reports whether u's row template, escaped on its own (as a
// native range executes it), is escaped exactly as at its call in the
// range, where html/template escaped it in the range's context.
func sameEscaping(set *template.Template, u *unit) bool {
	if dryRun(set, u.name) != nil {
		return false
	}
	atCall := set.Lookup(u.fallback.Name)
	alone := set.Lookup(u.name)
	return atCall != nil && alone != nil && atCall.Tree != nil &&
		(atCall == alone || atCall.Tree.Root.String() == alone.Tree.Root.String())
}

// Entry reports whether template name ("" for the one Build was given)
// renders through the plan.
func (p *Plan) Entry(name string) bool { return p.entries[p.name(name)] }

func (p *Plan) name(name string) string {
	if name == "" {
		return p.root
	}
	return name
}

// usesPrefix reports whether any template of the set already uses a name
// of the rewrite: a template, a function or a variable starting with it.
func usesPrefix(trees map[string]*parse.Tree) bool {
	for name, t := range trees {
		if strings.HasPrefix(name, prefix) {
			return true
		}
		found := false
		walkNodes(t.Root, 0, func(n parse.Node, _ int) {
			if c, ok := n.(*parse.TemplateNode); ok && strings.HasPrefix(c.Name, prefix) {
				found = true
			}
			pipes(n, func(p *parse.PipeNode) {
				for _, d := range p.Decl {
					found = found || strings.HasPrefix(d.Ident[0], "$"+prefix)
				}
				eachArg(p, func(a parse.Node) {
					switch a := a.(type) {
					case *parse.IdentifierNode:
						found = found || strings.HasPrefix(a.Ident, prefix)
					case *parse.VariableNode:
						found = found || strings.HasPrefix(a.Ident[0], "$"+prefix)
					}
				})
			})
		})
		if found {
			return true
		}
	}
	return false
}

// builtins are text/template's predefined functions: deterministic.
var builtins = map[string]bool{
	"and": true, "or": true, "not": true, "len": true, "index": true, "slice": true,
	"print": true, "printf": true, "println": true, "html": true, "js": true, "urlquery": true,
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true, "call": true,
}

// volatility returns the test for volatile functions and methods: the ones
// named, and every function of the app called without arguments, whose
// result can only come from outside the template's data (a clock, a
// counter, a random number). args is -1 for a method.
func volatility(names []string) func(name string, args int) bool {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	return func(name string, args int) bool {
		return set[name] || args == 0 && !builtins[name]
	}
}

// builtinsOf returns the test of whether a function name of t's set is
// text/template's builtin: one the app has not redefined with Funcs. The
// set's functions are not exported; it reads them by reflection, and when
// that fails, takes every name as redefined (no shell computes a builtin).
func builtinsOf(t *template.Template) func(name string) bool {
	none := func(string) bool { return false }
	v := reflect.ValueOf(t).Elem().FieldByName("text")
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return none
	}
	v = v.Elem().FieldByName("common")
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return none
	}
	funcs := v.Elem().FieldByName("parseFuncs")
	if !funcs.IsValid() || funcs.Kind() != reflect.Map || funcs.Type().Key().Kind() != reflect.String {
		return none
	}
	redefined := map[string]bool{}
	for name := range natives {
		if funcs.MapIndex(reflect.ValueOf(name)).IsValid() {
			redefined[name] = true
		}
	}
	return func(name string) bool { return builtins[name] && !redefined[name] }
}
