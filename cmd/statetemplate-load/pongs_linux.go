package main

// pongs are the pong frames a tab read off its socket (rawTab) still owes
// its server when its socket could not take them at once: the unsent end
// of the frame being written, and the answer to the latest ping after
// it. A frame once started is finished, so the stream stays whole; one
// not started yet gives way to the answer to a later ping, as RFC 6455
// 5.5.3 allows, so what a tab owes stays under two frames however long
// its server pings without reading.
type pongs struct {
	rest    []byte // the end of the frame being written
	latest  []byte // the answer to the latest ping, once rest is sent
	waiting bool   // the tab waits for its socket to be writable
}

// add owes frame f, the answer to the latest ping.
func (p *pongs) add(f []byte) {
	if len(p.rest) == 0 {
		p.rest = f
		return
	}
	p.latest = f
}

// next is what to write now; nil when nothing is owed.
func (p *pongs) next() []byte {
	if len(p.rest) == 0 {
		return nil
	}
	return p.rest
}

// sent records that the first n bytes of next were written.
func (p *pongs) sent(n int) {
	p.rest = p.rest[n:]
	if len(p.rest) == 0 {
		p.rest, p.latest = p.latest, nil
	}
}
