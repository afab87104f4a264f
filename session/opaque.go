package session

import "github.com/livefir/statetemplate/fragments"

// noteOpaque logs, once per template and reason, that a page was rendered
// whose tag nesting browsers do not follow as written (State.Opaque): its
// fragments cannot be tracked, and every change to it replaces the whole
// body. tmpl is the template's name ("" for the renderer's own).
func (m *Manager) noteOpaque(tmpl string, st *fragments.State) {
	why, at := st.Opaque()
	if why == "" {
		return
	}
	if _, seen := m.opaqueLogged.LoadOrStore(tmpl+"\x00"+why, struct{}{}); seen {
		return
	}
	name := tmpl
	if name == "" {
		name = "(the renderer's template)"
	}
	m.cfg.Logger.Warn("statetemplate: browsers do not nest this page's markup as written, so every update to it replaces the whole body",
		"template", name, "problem", why, "offset", at)
}
