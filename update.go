package statetemplate

import "github.com/livefir/statetemplate/fragments"

// Update is one change to the browser's page; see package fragments for
// the exact meaning of each action.
type Update = fragments.Update

// The actions an Update can carry.
const (
	ActionReplace      = fragments.ActionReplace
	ActionAppend       = fragments.ActionAppend
	ActionRemove       = fragments.ActionRemove
	ActionInsertAfter  = fragments.ActionInsertAfter
	ActionInsertBefore = fragments.ActionInsertBefore
	ActionTitle        = fragments.ActionTitle
)
