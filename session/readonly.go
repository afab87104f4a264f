package session

import "context"

// readOnlyKey is the key ReadOnlyUpdates answers.
type readOnlyKey struct{}

// ReadOnlyUpdates is a context for renders (Handle.RenderFragments,
// Handle.Navigate) whose caller only reads the updates they return, as
// package live does when it encodes them for a session's connections. Such
// updates may be other sessions' too — the tabs of a push go through the
// same transition, whose updates one render made (the incremental
// renderer's shared transitions) — so nobody may modify them, and their
// Timestamp is not set (but a no-op's). With Config.DataChanged the mark is ignored: each
// render's updates carry its own paths. It answers its own key and passes
// every other call to Context, which must be set.
type ReadOnlyUpdates struct{ context.Context }

// Value returns true for ReadOnlyUpdates' own key and Context's value for
// any other.
func (c ReadOnlyUpdates) Value(key any) any {
	if _, ok := key.(readOnlyKey); ok {
		return true
	}
	return c.Context.Value(key)
}

// readOnlyUpdates reports whether ctx is, or derives from, a ReadOnlyUpdates.
func readOnlyUpdates(ctx context.Context) bool {
	ro, _ := ctx.Value(readOnlyKey{}).(bool)
	return ro
}
