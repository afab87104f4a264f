package session

import (
	"bytes"
	"errors"

	"github.com/livefir/statetemplate/fragments"
)

// ErrNotIncremental is returned by an Incremental renderer for a page it
// does not render: the manager renders it whole with Config.Render and
// diffs it with fragments.Diff.
var ErrNotIncremental = errors.New("statetemplate: page not rendered incrementally")

// Incremental renders a session's page so that the cost of an update
// follows what changed rather than the size of the page: it executes and
// tokenizes only the parts of the page whose data changed. The root
// package adapts internal/plan to it. Implementations must be safe for
// concurrent use and return exactly what Config.Render and fragments.Diff
// would: the same page when one is asked for, the same State, and the
// same updates (see fragments.DiffSpliced for the one documented
// difference, on pages that did not change).
type Incremental interface {
	Render(in IncrementalInput) (IncrementalOutput, error)
}

// IncrementalInput is one render of a session's page.
type IncrementalInput struct {
	Template string // the template's name; "" is the renderer's own
	Data     any    // the session's data
	Enc      []byte // the canonical encoding of Data (EncodeData)
	// EncKept says that Enc is never modified after Render (it is the
	// record's snapshot, Record.Data): the renderer may keep it in its
	// memo. Otherwise Enc is valid only during Render.
	EncKept bool
	Prev    *fragments.State // the page the browser has; nil when unknown
	Memo    any              // what the last render kept (Record.Memo)
	// Title is the title of the page Prev describes (Record.Title): what
	// the page's title stays when the render reports it not known.
	Title string
	// Page, when not nil, receives the whole page (Manager.Page).
	Page *bytes.Buffer
	// Captured says the manager found Data Captured: equal encodings
	// print alike. When false, the renderer checks it itself before it
	// shares or skips anything by equal bytes.
	Captured bool
	// ReadOnly says that the caller only reads the output's Updates: the
	// renderer may return updates other renders' callers read too, which
	// nobody may modify.
	ReadOnly bool
}

// IncrementalOutput is the result of an Incremental render.
type IncrementalOutput struct {
	Updates []fragments.Update
	State   *fragments.State
	Memo    any // to keep in Record.Memo for the next render
	// Title is the page's title (PageTitle) when TitleKnown; otherwise
	// the page's head was not rendered and the title is the last one.
	Title      string
	TitleKnown bool
}

// renderIncremental renders e's page for data through the Incremental
// renderer, and reports false when there is none or it does not handle
// the page. kept says enc is never modified after (IncrementalInput.EncKept);
// captured that data is Captured (IncrementalInput.Captured); readOnly that
// the caller only reads the updates (IncrementalInput.ReadOnly). e.mu must
// be held.
func (m *Manager) renderIncremental(e *entry, tmpl string, data any, enc []byte, kept, captured, readOnly bool, page *bytes.Buffer) (IncrementalOutput, bool, error) {
	inc := m.cfg.Incremental
	if inc == nil || data == nil {
		return IncrementalOutput{}, false, nil
	}
	out, err := inc.Render(IncrementalInput{Template: tmpl, Data: data, Enc: enc, EncKept: kept, Prev: e.rec.Fragments, Memo: e.rec.Memo, Title: e.rec.Title, Page: page, Captured: captured, ReadOnly: readOnly})
	switch {
	case errors.Is(err, ErrNotIncremental):
		return IncrementalOutput{}, false, nil
	case err != nil:
		return IncrementalOutput{}, false, err
	}
	return out, true, nil
}
