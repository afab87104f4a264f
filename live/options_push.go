package live

import "time"

// DefaultPushBacklog is how many pushes may wait for one session by default
// (WithPushBacklog).
const DefaultPushBacklog = 64

// WithBroker carries publishes between the servers of an app: Publish and
// PushTo reach the sessions connected to every App sharing b, and b's
// messages from other servers reach this App's sessions. Without it an App
// pushes to its own sessions only. The App subscribes to b in New and
// unsubscribes in Close; b itself is the caller's to close, after the App.
// See the package documentation for what is guaranteed.
func WithBroker(b Broker) Option { return func(c *config) { c.broker = b } }

// WithPushWorkers sets how many goroutines render pushes (default
// GOMAXPROCS, the cores Go uses). Pushes are CPU work — a render and a
// store write per session — so more workers than cores only help when the
// store waits on the network (Redis).
func WithPushWorkers(n int) Option { return func(c *config) { c.pushWorkers = max(n, 1) } }

// WithPushBacklog bounds the pushes waiting for one session (default
// DefaultPushBacklog). A push of a topic replaces the one of that topic
// still waiting, so the backlog holds at most one push per topic plus the
// UpdateAll calls in flight; a session whose backlog overflows all the
// same has its connections closed with 1013 (the client reconnects and
// reloads the whole page), and the push is dropped and logged.
func WithPushBacklog(n int) Option { return func(c *config) { c.pushBacklog = max(n, 1) } }

// WithPushObserver calls fn each time the frame carrying a push's updates
// has been written to a connection, for metrics: push latency is
// d.Written.Sub(d.Published). fn runs on the connection's writer goroutine
// and must return quickly.
func WithPushObserver(fn PushObserver) Option { return func(c *config) { c.pushObserver = fn } }

// PushObserver receives a PushDelivery for every push frame written.
type PushObserver func(d PushDelivery)

// PushDelivery describes one push frame written to one connection.
type PushDelivery struct {
	// Topic is the topic published, or "" for UpdateAll.
	Topic string
	// Published is when Publish, PushTo or UpdateAll was called, on the
	// publishing server's clock for a push from another server.
	Published time.Time
	// Written is when the frame was handed to the operating system.
	Written time.Time
}
