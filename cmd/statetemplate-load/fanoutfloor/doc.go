// Command fanoutfloor measures the floor of a push fan-out on this machine:
// the time from a "publish" to each frame written when the server does
// nothing but write one ready-made frame to each of many loopback TCP
// connections, read by another process on the same machine — no rendering,
// no encoding, no storage, no WebSocket framing.
//
//	go run ./cmd/statetemplate-load/fanoutfloor -conns 10000 -rounds 10
//	go run ./cmd/statetemplate-load/fanoutfloor -conns 10000 -reader-nice 19
//
// statetemplate-load's push runs (-app ticker) measure the same span for a
// real server; this command says how much of it no server can avoid when the
// readers share its cores. Its writers are as many goroutines as GOMAXPROCS,
// as live's push pool is; the readers run in a child process (this command
// again, with -read), one goroutine per connection, as the load tool's tabs
// do. -reader-nice runs that child under nice(1), which on Linux models
// readers on other machines better: they then take the cores only when the
// server leaves them.
//
// Each round prints the frames' written times from the round's start: the
// 50th and 99th percentiles and the last; the summary gives their medians
// over the rounds.
package main
