package plan

import (
	"fmt"
	"html/template"
	"reflect"
)

// funcs returns the functions the rewritten templates call. Every one of
// them receives the frame it runs in, so that nothing is shared between
// renders but the plan; a nil frame is the dry run of Build.
func funcs() template.FuncMap {
	return template.FuncMap{
		fnVar:   varOf,
		fnDot:   dotOf,
		fnEnd:   end,
		fnEnter: enter,
		fnRange: iterate,
		fnRow:   row,
		fnCall:  call,
	}
}

// varOf returns input i of f: the root (1) or a variable (2 and up).
func varOf(f *frame, i int) (reflect.Value, error) {
	if f == nil {
		return reflect.Value{}, errDryRun
	}
	return f.vals[i], nil
}

// dotOf returns a collection of one element, f's dot, for the range that
// binds dot in a rewritten template: a slice when dot is addressable, a map
// when it is not, so that methods with pointer receivers resolve as they
// would where the template was written.
func dotOf(f *frame) (reflect.Value, error) {
	if f == nil {
		return reflect.Value{}, errDryRun
	}
	d := f.vals[0]
	if !d.IsValid() {
		return reflect.Value{}, fmt.Errorf("%w: no dot", errUnsupported)
	}
	if d.CanAddr() {
		s := reflect.MakeSlice(reflect.SliceOf(d.Type()), 1, 1)
		s.Index(0).Set(d)
		return s, nil
	}
	m := reflect.MakeMapWithSize(reflect.MapOf(intType, d.Type()), 1)
	m.SetMapIndex(reflect.ValueOf(0), d)
	return m, nil
}

var intType = reflect.TypeFor[int]()

// end closes a part or row frame.
func end(f *frame) (bool, error) {
	if f == nil {
		return false, errDryRun
	}
	return false, f.close()
}

// enter opens the frame of part id, called from c with its inputs vals.
// It returns nil for a part that does not run: spliced, or written from
// the shared cache.
func enter(c *frame, id int, vals ...reflect.Value) (*frame, error) {
	if c == nil {
		return nil, errDryRun
	}
	f, err := c.r.enter(c, c.r.p.units[id], vals)
	if f != nil && f.skip {
		return nil, err
	}
	if err == nil {
		if done, err := c.r.composeIn(f); done {
			return nil, err // composed: its template does not run
		}
	}
	return f, err
}

// iterate renders the rows of range id over coll natively, and reports
// false when it cannot: text/template then runs the range itself.
func iterate(c *frame, id int, coll reflect.Value, vals ...reflect.Value) (bool, error) {
	if c == nil {
		return false, errDryRun
	}
	return c.r.iterate(c, c.r.p.units[id], coll, vals)
}

// row opens the frame of one row of range id, iterated by text/template.
func row(c *frame, id int, vals ...reflect.Value) (*frame, error) {
	if c == nil {
		return nil, errDryRun
	}
	return c.r.row(c, c.r.p.units[id], vals, -1)
}

// call opens the frame of a rewritten template called at site id with
// dot vals[0].
func call(c *frame, id int, vals ...reflect.Value) (*frame, error) {
	if c == nil {
		return nil, errDryRun
	}
	return c.r.call(c, id, vals)
}
