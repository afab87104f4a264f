package main

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// tabReaders read the push frames of a run's tabs off their sockets:
// after prepare, each tab's TCP connection is taken from its
// websocket.Conn (a duplicate of its descriptor, the Conn closed), and a
// few goroutines, one per core, each with an epoll instance of its share
// of the tabs, read what arrives and split it into messages themselves
// (frameReader). A goroutine per tab, as websocket.Conn reads, costs the
// tool a park and a wake-up through Go's poller per frame, and a read
// that finds nothing before each: at 10,000 tabs that was most of the
// tool's CPU per frame after the decoding, CPU taken from the server's
// cores. Every frame is still read, decoded in order and counted.
//
// Taking the connection over is exact when the websocket.Conn holds no
// bytes read ahead: package live sends a tab nothing between the answer
// to its last watch action, which prepare reads whole, and the first
// publish. take checks it: the socket's bytes read (countedConn) must be
// the upgrade's response and the frames of the messages read through the
// Conn, no more; else the tab stays with its Conn.
//
// The readers answer the server's pings themselves, without blocking: a
// pong the socket cannot take at once waits, whole, until it is writable
// (pongs, send), so the stream the server reads is never cut short.
type tabReaders struct {
	pr    *pushRun
	polls []*os.File // the epoll instances, one per goroutine
	eps   []int      // their descriptors, while polls are open
	tabs  [][]*rawTab
	wg    sync.WaitGroup
	once  sync.Once
}

// rawTab is a tab read off its socket.
type rawTab struct {
	tb   *tab
	fd   int
	ep   int   // the epoll instance it is in
	slot int32 // its index there (the events' Fd)
	open bool
	fr   frameReader
	msg  func([]byte)
	pong func([]byte)
	out  pongs
	werr error // a write failed: the connection ends
}

// startReaders starts the readers of the run's tabs: off their sockets
// where it can take them over, through their websocket.Conn otherwise.
func (pr *pushRun) startReaders() {
	r := &tabReaders{pr: pr}
	n := max(1, min(runtime.GOMAXPROCS(0), len(pr.tabs)))
	for range n {
		ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil || syscall.SetNonblock(ep, true) != nil {
			if err == nil {
				syscall.Close(ep)
			}
			break
		}
		r.polls, r.eps = append(r.polls, os.NewFile(uintptr(ep), "epoll")), append(r.eps, ep)
		r.tabs = append(r.tabs, nil)
	}
	for i, tb := range pr.tabs {
		if len(r.polls) == 0 || !r.take(i%len(r.polls), tb) {
			pr.wg.Add(1)
			go pr.read(tb)
		}
	}
	tabsTakenOver.Store(0)
	for i, p := range r.polls {
		tabsTakenOver.Add(int64(len(r.tabs[i])))
		r.wg.Add(1)
		go r.run(p, r.tabs[i])
	}
	pr.readers = r
}

// take takes tb's connection over for reader i, and reports whether it
// did.
func (r *tabReaders) take(i int, tb *tab) bool {
	cc, ok := tb.ws.tcp.(*countedConn)
	if !ok || !cc.drained(tb.ws.framed) {
		return false // its websocket.Conn may hold bytes read ahead
	}
	rc, err := cc.SyscallConn()
	if err != nil {
		return false
	}
	fd := -1
	if err := rc.Control(func(s uintptr) {
		if d, err := syscall.Dup(int(s)); err == nil {
			syscall.CloseOnExec(d)
			fd = d
		}
	}); err != nil || fd < 0 {
		return false
	}
	rt := &rawTab{tb: tb, fd: fd, ep: r.eps[i], slot: int32(len(r.tabs[i])), open: true}
	rt.msg = func(b []byte) { r.pr.show(tb, b, time.Now()) }
	rt.pong = func(p []byte) {
		rt.out.add(pongFrame(p))
		rt.send()
	}
	ev := syscall.EpollEvent{Events: readEvents, Fd: rt.slot}
	if err := syscall.EpollCtl(rt.ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		syscall.Close(fd)
		return false
	}
	tb.ws.ws.CloseNow() // the duplicate keeps the socket open
	r.tabs[i] = append(r.tabs[i], rt)
	return true
}

// run reads the tabs of poll p as their frames arrive, until close: it
// waits in Go's poller for the epoll instance to have events.
func (r *tabReaders) run(p *os.File, tabs []*rawTab) {
	defer r.wg.Done()
	rc, err := p.SyscallConn()
	if err != nil {
		return
	}
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for {
		n := 0
		err := rc.Read(func(fd uintptr) bool {
			var werr error
			n, werr = syscall.EpollWait(int(fd), events, 0)
			return n > 0 || werr != nil && !errors.Is(werr, syscall.EINTR)
		})
		if err != nil {
			return // closed
		}
		for _, ev := range events[:max(n, 0)] {
			rt := tabs[ev.Fd]
			if rt.open && ev.Events&syscall.EPOLLOUT != 0 {
				rt.send()
				if rt.werr != nil {
					r.drop(rt)
				}
			}
			if rt.open && ev.Events&^syscall.EPOLLOUT != 0 {
				r.read(rt, buf)
			}
		}
	}
}

// read reads what arrived for rt, once: the epoll instance reports it
// again while more is waiting.
func (r *tabReaders) read(rt *rawTab, buf []byte) {
	n, err := syscall.Read(rt.fd, buf)
	for errors.Is(err, syscall.EINTR) {
		n, err = syscall.Read(rt.fd, buf)
	}
	if errors.Is(err, syscall.EAGAIN) {
		return
	}
	if err == nil && n > 0 {
		err = rt.fr.feed(buf[:n], rt.msg, rt.pong)
		if err == nil && rt.werr == nil {
			return
		}
	}
	// The end of the connection, or bytes that are not frames.
	r.drop(rt)
}

// drop closes rt's socket and counts the tab lost. Closing the socket's
// last descriptor takes it out of the epoll instance.
func (r *tabReaders) drop(rt *rawTab) {
	syscall.Close(rt.fd)
	rt.open = false
	r.pr.lost(rt.tb)
}

// readEvents are the events a tab waits for while it owes its server
// nothing; it waits for its socket to be writable too while it does.
const readEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP

// send writes what rt owes its server, as much as its socket takes now,
// and waits for the socket to be writable (EPOLLOUT) while some is left.
// A failed write ends the connection (werr).
func (rt *rawTab) send() {
	blocked := false
	for b := rt.out.next(); b != nil && rt.werr == nil; b = rt.out.next() {
		n, err := syscall.Write(rt.fd, b)
		switch {
		case errors.Is(err, syscall.EINTR):
		case errors.Is(err, syscall.EAGAIN):
			blocked = true
		case err != nil:
			rt.werr = err
		default:
			rt.out.sent(n)
		}
		if blocked {
			break
		}
	}
	if blocked == rt.out.waiting || rt.werr != nil {
		return
	}
	ev := syscall.EpollEvent{Events: readEvents, Fd: rt.slot}
	if blocked {
		ev.Events |= syscall.EPOLLOUT
	}
	if err := syscall.EpollCtl(rt.ep, syscall.EPOLL_CTL_MOD, rt.fd, &ev); err != nil {
		rt.werr = err
		return
	}
	rt.out.waiting = blocked
}

// close stops the readers and closes the tabs' sockets they hold.
func (r *tabReaders) close() {
	if r == nil {
		return
	}
	r.once.Do(func() {
		for _, p := range r.polls {
			p.Close() // ends the Read run waits in
		}
		r.wg.Wait()
		for _, tabs := range r.tabs {
			for _, rt := range tabs {
				if rt.open {
					syscall.Close(rt.fd)
					rt.open = false
				}
			}
		}
	})
}
