package fragments

import "time"

// The actions an Update can carry. Their exact meaning is defined in the
// package documentation; the browser client applies them the same way.
const (
	ActionReplace      = "replace"
	ActionAppend       = "append"
	ActionRemove       = "remove"
	ActionInsertAfter  = "insertAfter"
	ActionInsertBefore = "insertBefore"
	// ActionTitle sets the document's title to the update's html, which is
	// plain text. The engine never emits it; the session does, when the
	// page's <title> changes (fragments track the body only).
	ActionTitle = "title"
)

// Update is one change to apply to the browser's page. It is the design's
// Update type, JSON tags included; statetemplate.Update is an alias of it.
type Update struct {
	FragmentID string    `json:"fragment_id"`
	HTML       string    `json:"html,omitempty"`
	Action     string    `json:"action"`
	TargetID   string    `json:"target_id,omitempty"`
	Timestamp  time.Time `json:"timestamp"`

	// IsNoOp is true on the single update returned when nothing changed.
	IsNoOp bool `json:"is_noop,omitempty"`
	// HTMLHash is HashHTML(HTML), set on every update that carries HTML.
	HTMLHash string `json:"html_hash,omitempty"`
	// DataChanged lists the dotted paths of the data that changed
	// ("Counter", "Tasks.3.Completed"). It is set on the first update of a
	// RenderFragments call only, to keep the others small.
	DataChanged []string `json:"data_changed,omitempty"`
}
