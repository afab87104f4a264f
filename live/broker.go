package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Broker carries publishes between the servers of an app (WithBroker).
// live encodes each publish into one message and decodes what arrives; a
// Broker only moves bytes, to every subscriber, the publishing one
// included (live drops its own). live/redisbroker is one over Redis
// Pub/Sub; MemoryBroker connects Apps in one process.
//
// What an App guarantees on top of its Broker: its publishes are handed to
// Publish one at a time, in the order Publish and PushTo were called, by
// one goroutine; a message Publish fails to send is dropped and logged
// (at most once delivery), and so is one that finds the outgoing queue
// (4,096 messages) full because the broker is slow or down; an App's own
// sessions get its publishes directly, whatever the broker does.
type Broker interface {
	// Publish sends msg to every subscriber. It may block on the network
	// until ctx ends.
	Publish(ctx context.Context, msg []byte) error
	// Subscribe calls deliver with every message published from the time
	// it returns until stop is called; after stop returns, deliver is not
	// called. deliver returns quickly and may be called from several
	// goroutines at once; messages of one publisher arrive in the order
	// they were published. Subscribe fails only when it cannot start.
	Subscribe(deliver func(msg []byte)) (stop func(), err error)
}

// Bounds of the outgoing queue to the broker.
const (
	maxOutbox      = 4096
	brokerTimeout  = 5 * time.Second // one Publish
	brokerFlushFor = 2 * time.Second // what Close waits to send what is queued
)

// brokerLink connects an App to its Broker: one goroutine sends the App's
// publishes in order from a bounded queue; the broker's deliveries are
// decoded and handed to receive.
type brokerLink struct {
	b       Broker
	origin  string // this App's instance, to drop its own publishes
	logger  *slog.Logger
	receive func(envelope)

	mu      sync.Mutex
	queue   [][]byte
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	unsub   func()
	dropped atomic.Int64
	// failing counts the messages lost since the broker last worked; it
	// is logged when the broker fails and again when it recovers.
	failing int64
}

// newBrokerLink subscribes to b and starts the sender.
func newBrokerLink(b Broker, logger *slog.Logger, receive func(envelope)) (*brokerLink, error) {
	var id [12]byte
	rand.Read(id[:])
	l := &brokerLink{
		b: b, origin: hex.EncodeToString(id[:]), logger: logger, receive: receive,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	unsub, err := b.Subscribe(l.deliver)
	if err != nil {
		return nil, err
	}
	l.unsub = unsub
	go l.sendLoop()
	return l, nil
}

// deliver decodes a message from the broker.
func (l *brokerLink) deliver(msg []byte) {
	env, err := decodeEnvelope(msg)
	if err != nil {
		l.logger.Warn("live: dropping a message from the broker that does not decode", "err", err, "bytes", len(msg))
		return
	}
	if env.Origin == l.origin {
		return // delivered here directly when it was published
	}
	l.receive(env)
}

// send queues env for the broker; it never blocks.
func (l *brokerLink) send(env envelope) {
	env.Origin = l.origin
	msg, err := encodeEnvelope(env)
	if err != nil {
		l.logger.Warn("live: encoding a publish for the broker", "topic", env.Topic, "err", err)
		l.dropped.Add(1)
		return
	}
	l.mu.Lock()
	full := len(l.queue) >= maxOutbox
	if !full {
		l.queue = append(l.queue, msg)
	}
	l.mu.Unlock()
	if full {
		l.lost(1, errOutboxFull)
		return
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

var (
	errOutboxFull = errors.New("the outgoing queue is full: the broker is too slow or down")
	errUnsent     = errors.New("the App closed before they were sent")
)

func (l *brokerLink) sendLoop() {
	defer close(l.done)
	for {
		select {
		case <-l.wake:
			l.flush(nil)
		case <-l.stop:
			deadline := time.Now().Add(brokerFlushFor)
			l.flush(&deadline)
			return
		}
	}
}

// flush publishes what is queued, in order; with a deadline, what is left
// at the deadline is dropped.
func (l *brokerLink) flush(deadline *time.Time) {
	for {
		l.mu.Lock()
		batch := l.queue
		l.queue = nil
		l.mu.Unlock()
		if len(batch) == 0 {
			return
		}
		for i, msg := range batch {
			if deadline != nil && time.Now().After(*deadline) {
				l.lost(int64(len(batch)-i), errUnsent)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), brokerTimeout)
			err := l.b.Publish(ctx, msg)
			cancel()
			if err != nil {
				l.lost(1, err)
				continue
			}
			l.recovered()
		}
	}
}

// lost counts n messages that will not reach other servers, logging the
// first of a run of failures.
func (l *brokerLink) lost(n int64, err error) {
	l.dropped.Add(n)
	l.mu.Lock()
	first := l.failing == 0
	l.failing += n
	l.mu.Unlock()
	if first {
		l.logger.Warn("live: publishes are not reaching other servers through the broker; they are dropped until it recovers", "err", err)
	}
}

// recovered logs the end of a run of failures.
func (l *brokerLink) recovered() {
	l.mu.Lock()
	n := l.failing
	l.failing = 0
	l.mu.Unlock()
	if n > 0 {
		l.logger.Warn("live: the broker works again; publishes were lost meanwhile", "lost", n)
	}
}

// close unsubscribes, sends what is queued (for at most brokerFlushFor)
// and stops the sender.
func (l *brokerLink) close() {
	l.unsub()
	close(l.stop)
	<-l.done
}
