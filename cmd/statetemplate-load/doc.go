// Command statetemplate-load load-tests a statetemplate server: it creates
// sessions over HTTP, opens real WebSocket connections over loopback,
// drives the dashboard's actions at a fixed rate and reports what it
// measured.
//
//	go run ./cmd/statetemplate-load -store memory,bolt,redis -sessions 100000 -conns 10000 -rate 2000 -duration 30s
//
// # What it runs against
//
// By default it starts the server itself, once per store (-store) and
// mode (-modes), each time fresh. The server is the design's dashboard
// (internal/fixture's template and data) behind a statetemplate Renderer:
//
//   - live: package live serves the page and the WebSocket loop, with the
//     load test's actions as handlers. Each answer is live's JSON array of
//     fragment updates. These are the headline figures.
//   - fullpage: the baseline, what an app without fragments would do: the
//     same actions, each answered with the whole page rendered afresh.
//     It runs in the tool's own minimal WebSocket loop, which is leaner
//     than live's, so its CPU figure flatters the baseline a little.
//   - fragments: RenderFragments answers from that same minimal loop, for
//     a comparison with the baseline on equal terms.
//
// -template tuned uses fixture.TunedSource, whose task count heading has
// an id, as in examples/dashboard; the design's template, the default,
// has the task count as text directly in tasks-section, so that adding or
// removing a task replaces the whole section.
//
// The server runs in a child process (this program with -serve) so that
// its heap, RSS and CPU are its own; -server inproc runs it in this
// process instead, where those figures include the load generator. -url
// targets a server started elsewhere (it must serve the page at the URL
// and the WebSocket as the page's script tag says, as package live does);
// then no server figures are reported. Only loopback hosts are accepted.
// The load generator shares the machine with the servers, so it keeps its
// own CPU down, and reports it (CPU per frame or answer read): it runs at
// GOGC 400 when the servers are other processes (unless GOGC is set), and
// its readers block on their connections without a context that can end
// (closing the connection stops them). On Linux a push run's tabs, once
// their watchlists are set (and unless their websocket.Conn read bytes
// ahead, or they are TLS), are read off their sockets by one goroutine
// per core over epoll, which splits the frames itself, rather than by a
// goroutine per tab through coder/websocket; each frame is decoded into
// a pooled batch. -server-nice -10 (Linux, as root)
// runs the server children at a higher priority than the load generator,
// so that the servers have the cores when they need them, as they would
// with the tabs' browsers on other machines; the generator still reads
// and decodes every frame, in the time the servers leave. The default, 0,
// shares the cores equally, and both are worth reporting.
//
// # What one run does
//
//  1. Sessions: -sessions page GETs, -create-concurrency at a time, each
//     creating a session as a new browser tab would (no cookies carried
//     over). The latency is the whole GET.
//  2. WebSockets: one per session for the first -conns sessions, with the
//     cookie and the tab reference from the page; a connection counts as
//     open once the server's ready message ({"v":2}) has arrived.
//  3. For each -rate in turn (a comma-separated list measures several on
//     the same sessions and connections): a warmup, then the measured
//     phase, -rate actions per second, open loop:
//     a pacer releases actions on a fixed schedule to idle connections (one
//     action in flight per connection); when none is idle the action is
//     counted as missed rather than queued. Each connection cycles
//     increment, add task, toggle it, delete it, decrement, so that pages
//     keep their size; connections start at different points of the
//     cycle. An action's round trip runs from writing it to reading its
//     answer; error answers are counted by their code. Actions still unanswered when the phase ends
//     (after a 3 s drain) are counted at their age then, a lower bound.
//
// # What it reports
//
// Per run: session creation latency p50/p99 (client side, and the
// server's own CreateSession or page handler time), round trip
// p50/p99/p999, achieved actions/s, bytes per answer (mean and per action),
// server heap and RSS per idle session (after GC, over the creation
// phase), heap per open WebSocket, server CPU per update (getrusage over
// the measured phase, divided by the answers), the load generator's own
// CPU per action, and the load average. Each live or fragments run is set
// against the fullpage run of its store: bytes and server CPU per update.
//
// -cpuprofile writes the server's CPU profiles of the creation and the
// measured phases; -memprofile their allocation profiles (pprof's allocs,
// sampled at -memprofilerate bytes during the phase), each with the
// profile at the phase's start beside it, FILE.start, to subtract
// (go tool pprof -sample_index=alloc_objects -base FILE.start FILE); -trace their execution traces (go tool trace: where a
// push worker waited, and for what; the tracesum folder's command sums one
// by goroutine and by fan-out); -answers saves one answer per action to
// look at.
//
// # Pushes: -app ticker
//
// -app ticker serves examples/ticker instead of the dashboard: every tab
// subscribes to the market's ticks when it connects, and each tab watches
// -watch symbols (different ones), so that tabs' pages differ as real
// users' do. Instead of actions, the tool makes the market tick at
// -publish per second (POST /debug/loadpublish on the first server; the
// tool is the market's only publisher, so it knows each tick's number),
// and every tick is pushed to every tab.
//
//	go run ./cmd/statetemplate-load -app ticker -store bolt -sessions 2000 -conns 2000 -publish 5 -duration 30s
//	go run ./cmd/statetemplate-load -app ticker -servers 2 -store redis -sessions 2000 -conns 2000 -publish 5
//
// With -servers 2 the tool starts two servers sharing the Redis of -store
// redis for sessions and, through live/redisbroker, for pushes; the tabs
// are split between them and every tick is published on the first (A), so
// the second's tabs (B) get theirs through Redis.
//
// Per phase it reports: the time from Publish to each push frame written,
// per server, from live's PushObserver (p50/p99/p999; on B the publish
// time is A's clock, the same machine's); the time from the publish
// request to each tab reading the frame (client side); ticks skipped — a
// tab skips a tick when the server coalesced it into a later one because
// the tab was behind, which the tool sees from the tick number each frame
// shows — the tabs that skipped any, and the tabs that had not shown the
// last tick 5 s after it (stale, always 0 unless a tab was lost); and the
// servers' CPU over the phase (getrusage), per tab per publish (divided by
// the push frames written) and in cores.
//
// # Bounds
//
// Counts, rates and durations are capped (see -h); the whole run has a
// hard -timeout computed from the flags; server children exit when the
// tool's end of their stdin closes. The open-file limit is raised to what
// -conns needs (without CAP_SYS_RESOURCE only up to the hard limit).
package main
