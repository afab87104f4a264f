package fragments

import (
	"slices"
	"sort"
)

// A data-cache="false" fragment is re-sent on every change of its page,
// and on a push its subtree is most often unchanged (a Resend): its
// markup, and so its update's HTML, is then the one it had on the page
// its State describes. A State that DiffPatched returns keeps the HTML
// and html_hash it sent for each such fragment, and the next DiffPatched
// gives a Resend of that fragment the same strings, without asking the
// caller for its markup (PatchInput.Refill) nor hashing it again.
//
// What a State keeps is the HTML of its own page, which the caller
// rendered: a session's State goes to another session only when both
// render the same data with the same template (internal/plan's shared
// transitions), so no session gets markup other than its own. It keeps
// no HTML of an Own patch or shell, which is a session's alone (it would
// hold a copy per session); the rest is the PatchCache's strings, shared
// between sessions: a State holds a few string headers. A State decoded
// from storage keeps none: the next DiffPatched asks for the markup.

// sentHTML is the update HTML of fragment frag of a State's page: its
// lead and outerHTML, and its HashHTML.
type sentHTML struct {
	frag       int32
	html, hash string
}

// sentFor returns the HTML s's page sent for fragment j, if it kept it.
func (s *State) sentFor(j int32) (sentHTML, bool) {
	k := sort.Search(len(s.sent), func(k int) bool { return s.sent[k].frag >= j })
	if k < len(s.sent) && s.sent[k].frag == j {
		return s.sent[k], true
	}
	return sentHTML{}, false
}

// carried returns the HTML of update op when it re-sends a Resend whose
// HTML prev kept.
func (d *differ) carried(o op) (sentHTML, bool) {
	pt := d.x.pt
	if pt == nil || o.action == ActionText || o.action == ActionAttrs {
		return sentHTML{}, false
	}
	f := &d.x.frags[o.frag]
	if f.refill == 0 {
		return sentHTML{}, false
	}
	return d.prev.sentFor(pt.in.Resends[f.refill-1].Prev)
}

// keep notes the HTML of update op for the new State, when it is the
// lead and outerHTML of a data-cache="false" fragment other than the
// body, and not a session's own.
func (d *differ) keep(o op, u Update, own bool) {
	if d.x.pt == nil || own || o.frag <= 0 || !d.x.frags[o.frag].noCache || o.action == ActionText || o.action == ActionAttrs {
		return
	}
	d.sent = append(d.sent, sentHTML{frag: o.frag, html: u.HTML, hash: u.HTMLHash})
}

// sentList returns what keep noted, sorted by fragment: prev's list when
// it is the same (a push that re-sends the same panels), shared as the
// State's other lists are, or a slice of its own.
func (d *differ) sentList() []sentHTML {
	if len(d.sent) == 0 {
		return nil
	}
	slices.SortFunc(d.sent, func(a, b sentHTML) int { return int(a.frag) - int(b.frag) })
	if slices.Equal(d.sent, d.prev.sent) {
		return d.prev.sent
	}
	return slices.Clone(d.sent)
}
