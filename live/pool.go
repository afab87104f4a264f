package live

import (
	"runtime"
	"sync"
)

// pool is the App's push workers and their run queue: the sessions with a
// push waiting, each at most once (its mailbox's state says so), in FIFO
// order, so that a session with many pushes runs one and goes to the back
// behind the others. The queue holds at most one entry per live session;
// schedule never blocks. Workers start with the first push.
type pool[T any] struct {
	mu      sync.Mutex
	cond    sync.Cond
	queue   []*liveSession[T]
	head    int
	started bool
	closed  bool
	wg      sync.WaitGroup
}

// schedule queues sessions for run, starting the workers (n, or
// GOMAXPROCS when n is 0) the first time. It reports false once the pool
// is closed.
func (p *pool[T]) schedule(sessions []*liveSession[T], n int, run func(*liveSession[T])) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	if !p.started {
		p.started = true
		p.cond.L = &p.mu
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		for range n {
			p.wg.Go(func() { p.work(run) })
		}
	}
	p.queue = append(p.queue, sessions...)
	if len(sessions) == 1 {
		p.cond.Signal()
	} else {
		p.cond.Broadcast()
	}
	return true
}

func (p *pool[T]) work(run func(*liveSession[T])) {
	for {
		ls := p.next()
		if ls == nil {
			return
		}
		run(ls)
		// The session's frames wait in its connections' writers, which the
		// runtime would run only once this worker blocks or is preempted
		// (10 ms, dozens of sessions later): let them leave now, so that
		// a publish's frames go out as its sessions render, not after the
		// last of them.
		runtime.Gosched()
	}
}

// next waits for a session to run; nil once the pool is closed and empty.
func (p *pool[T]) next() *liveSession[T] {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.head == len(p.queue) && !p.closed {
		p.cond.Wait()
	}
	if p.head == len(p.queue) {
		return nil
	}
	ls := p.queue[p.head]
	p.queue[p.head] = nil
	p.head++
	if p.head == len(p.queue) {
		p.queue, p.head = p.queue[:0], 0
	} else if p.head > 1024 && p.head*2 > len(p.queue) {
		n := copy(p.queue, p.queue[p.head:])
		clear(p.queue[n:])
		p.queue, p.head = p.queue[:n], 0
	}
	return ls
}

// close stops the workers once the queue is empty, and waits for them.
func (p *pool[T]) close() {
	p.mu.Lock()
	p.closed = true
	if p.started {
		p.cond.Broadcast()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
