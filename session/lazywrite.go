package session

import "context"

type lazyWriteKey struct{}

// WithLazyWrite marks the updates made with ctx as lazy: changes that
// whoever made them can make again — a push of shared data, which the page
// gets anew when it reconnects — so that a durable store may write them
// later than other updates, in fewer and larger commits. Package live
// marks its pushes so. A store that makes no such distinction ignores the
// mark; the bolt store writes lazy updates within its lazy window
// (bolt.WithLazyWindow) instead of its update window. An update that is
// not lazy never waits for a lazy one: it takes the session's lazy updates
// before it with it.
func WithLazyWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, lazyWriteKey{}, true)
}

// LazyWrite reports whether ctx was marked by WithLazyWrite.
func LazyWrite(ctx context.Context) bool {
	lazy, _ := ctx.Value(lazyWriteKey{}).(bool)
	return lazy
}
