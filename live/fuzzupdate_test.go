package live

import "github.com/livefir/statetemplate"

// fuzzIDs are the ids the wire fuzzers' updates name: a long one, a short
// one (references do not pay for it) and two more.
var fuzzIDs = []string{"tasks-title", "a", "last-update", "row-1"}

// fuzzUpdate is the wire fuzzers' update for step s, the i-th, with a text
// of pool: the step's high bits pick the id, its low three the operation.
func fuzzUpdate(s byte, i int, pool []string) statetemplate.Update {
	id, txt := fuzzIDs[int(s>>4)%len(fuzzIDs)], pool[i%len(pool)]
	switch s % 8 {
	case 0:
		return statetemplate.Update{FragmentID: id, Action: statetemplate.ActionReplace, HTML: "<p id=\"" + id + "\">" + txt + "</p>"}
	case 1:
		return statetemplate.Update{FragmentID: id, Action: statetemplate.ActionRemove}
	case 2:
		return statetemplate.Update{FragmentID: id, Action: statetemplate.ActionInsertAfter, TargetID: fuzzIDs[i%len(fuzzIDs)], HTML: txt}
	case 3:
		return statetemplate.Update{Action: statetemplate.ActionTitle, HTML: txt, DataChanged: []string{"T"}}
	case 4:
		return statetemplate.Update{FragmentID: id, Action: statetemplate.ActionAttrs, HTML: "<p id=\"" + id + "\" title=\"" + txt + "\">"}
	default:
		return statetemplate.Update{FragmentID: id, Action: statetemplate.ActionText, HTML: txt}
	}
}
