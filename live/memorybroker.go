package live

import (
	"context"
	"sync"
)

// MemoryBroker is a Broker within one process: the Apps given it (each
// with WithBroker) reach each other's sessions, as Apps on several servers
// do through Redis. It delivers every message to every subscriber before
// Publish returns.
type MemoryBroker struct {
	mu   sync.RWMutex
	next int
	subs map[int]func([]byte)
}

// NewMemoryBroker returns an empty MemoryBroker.
func NewMemoryBroker() *MemoryBroker {
	return &MemoryBroker{subs: make(map[int]func([]byte))}
}

// Publish delivers msg to every subscriber.
func (b *MemoryBroker) Publish(ctx context.Context, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, deliver := range b.subs {
		deliver(msg)
	}
	return nil
}

// Subscribe registers deliver until stop is called.
func (b *MemoryBroker) Subscribe(deliver func([]byte)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = deliver
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, id)
			b.mu.Unlock()
		})
	}, nil
}
