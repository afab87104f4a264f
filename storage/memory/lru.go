package memory

// lruList is an intrusive doubly linked list of a shard's items, most
// recently used at the front. Intrusive, so that a stored session costs no
// list element of its own.
type lruList struct {
	head, tail *item
}

func (l *lruList) pushFront(it *item) {
	it.prev, it.next = nil, l.head
	if l.head != nil {
		l.head.prev = it
	} else {
		l.tail = it
	}
	l.head = it
}

func (l *lruList) remove(it *item) {
	if it.prev != nil {
		it.prev.next = it.next
	} else {
		l.head = it.next
	}
	if it.next != nil {
		it.next.prev = it.prev
	} else {
		l.tail = it.prev
	}
	it.prev, it.next = nil, nil
}

func (l *lruList) moveToFront(it *item) {
	if l.head == it {
		return
	}
	l.remove(it)
	l.pushFront(it)
}

// back returns the least recently used item, or nil.
func (l *lruList) back() *item { return l.tail }
