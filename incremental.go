package statetemplate

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"sync"

	"github.com/livefir/statetemplate/cache"
	"github.com/livefir/statetemplate/fragments"
	"github.com/livefir/statetemplate/internal/plan"
	"github.com/livefir/statetemplate/session"
)

// incremental adapts internal/plan to session.Incremental: the parts of a
// page whose data did not change are neither executed nor tokenized again.
type incremental struct {
	plan  *plan.Plan
	parts *cache.Fragments // shared rendered part HTML; nil when off
	// patches shares tokenized parts, within a patchShare of the
	// fragment cache's budget; nil when that is off.
	patches *fragments.PatchCache
	logger  *slog.Logger
	warned  sync.Map // template name → struct{}: a fallback already logged
}

// patchShare is the share of WithFragmentCache's budget that holds
// tokenized parts: a sixteenth, beside it.
const patchShare = 16

// newIncremental analyses tmpl. It returns nil, having logged why, when
// the template cannot be analysed; pages then render whole.
func newIncremental(tmpl *template.Template, c *config) (*incremental, error) {
	p, err := plan.Build(tmpl, plan.Options{Volatile: c.volatile})
	if errors.Is(err, plan.ErrExecuted) {
		c.logger.Warn("statetemplate: the template was executed before New; every update re-renders the whole page (pass New a template that has not been executed)",
			"template", tmpl.Name())
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	in := &incremental{plan: p, logger: c.logger}
	if budget := c.fragmentCache(); budget > 0 {
		if in.parts, err = cache.NewFragments(budget); err != nil {
			return nil, fmt.Errorf("%w: WithFragmentCache: %v", errInvalidOption, err)
		}
		in.patches = fragments.NewPatchCache(budget / patchShare)
	}
	return in, nil
}

// Render implements session.Incremental.
func (in *incremental) Render(x session.IncrementalInput) (session.IncrementalOutput, error) {
	memo, _ := x.Memo.(*plan.Memo)
	pi := plan.Input{Template: x.Template, Data: x.Data, Enc: x.Enc, EncKept: x.EncKept, Prev: x.Prev, Memo: memo, Title: x.Title, Page: x.Page, Captured: x.Captured, ReadOnly: x.ReadOnly}
	if in.parts != nil {
		pi.Cache, pi.Patches = in.parts, in.patches
	}
	out, err := in.plan.Render(pi)
	switch {
	case errors.Is(err, plan.ErrNoPlan):
		in.fallback(x.Template, err)
		return session.IncrementalOutput{}, session.ErrNotIncremental
	case err != nil:
		return session.IncrementalOutput{}, err
	}
	return session.IncrementalOutput{Updates: out.Updates, State: out.State, Memo: out.Memo,
		Title: out.Title, TitleKnown: out.TitleKnown}, nil
}

// fallback logs, once per template, a page that renders whole for a
// reason other than the template having no parts.
func (in *incremental) fallback(name string, err error) {
	if !in.plan.Entry(name) {
		return // nothing to render incrementally: not a failure
	}
	if _, seen := in.warned.LoadOrStore(name, struct{}{}); !seen {
		in.logger.Warn("statetemplate: rendering the whole page", "template", name, "err", err)
	}
}

// orNil returns in as a session.Incremental, or a nil interface.
func (in *incremental) orNil() session.Incremental {
	if in == nil {
		return nil
	}
	return in
}

// close stops the part cache's goroutine; nil-safe.
func (in *incremental) close() {
	if in != nil && in.parts != nil {
		in.parts.Close()
	}
}
