//go:build !linux

package main

// tabReaders read tabs off their sockets on Linux only (epoll); elsewhere
// every tab is read through its websocket.Conn.
type tabReaders struct{}

// startReaders starts a reader of each of the run's tabs, through its
// websocket.Conn.
func (pr *pushRun) startReaders() {
	tabsTakenOver.Store(0)
	for _, tb := range pr.tabs {
		pr.wg.Add(1)
		go pr.read(tb)
	}
}

func (r *tabReaders) close() {}
