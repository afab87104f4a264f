package main

import "sync/atomic"

// tabsTakenOver is how many tabs the last push run's readers took off
// their websocket.Conn to read their sockets themselves (see
// startReaders), for tests.
var tabsTakenOver atomic.Int64
