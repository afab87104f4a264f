package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/livefir/statetemplate/session"
)

// op is a request to the writer goroutine.
type op struct {
	kind  opKind
	id    session.ID
	value []byte       // create: the encoded sessions value
	fn    func() error // exclusive: run alone in the writer
	err   error
	done  chan struct{}
}

type opKind uint8

const (
	opCreate    opKind = iota + 1
	opFlush            // commit every pending write
	opExclusive        // run fn with no other write in progress (Compact)
)

// submit hands o to the writer and waits for its result. If ctx ends
// first the write may still happen; the caller only stops waiting.
func (s *Store) submit(ctx context.Context, o *op) error {
	o.done = make(chan struct{})
	select {
	case s.ops <- o:
	case <-s.quit:
		return s.closedErr()
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-o.done:
		return o.err
	case <-s.done:
		select {
		case <-o.done:
			return o.err
		default:
			return s.closedErr()
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// markDirty tells the writer that an update waits for the window.
func (s *Store) markDirty() {
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// writer is the only goroutine that writes to the file. It groups every
// request waiting when it becomes free into one transaction, so concurrent
// creators share one fsync and a lone creator waits for no timer (unlike
// bbolt's DB.Batch). Pending updates are written when the window armed by
// the first of them expires.
func (s *Store) writer() {
	defer close(s.done)
	var timer *time.Timer
	var timerC <-chan time.Time
	var armed time.Time // when timer fires
	for {
		select {
		case o := <-s.ops:
			batch := []*op{o}
		drain:
			for len(batch) < maxWritesPerTx {
				select {
				case o := <-s.ops:
					batch = append(batch, o)
				default:
					break drain
				}
			}
			s.run(batch)
		case <-s.dirty:
			// An update that is not lazy may be due before the lazy ones
			// the timer waits for (while writes fail, the timer is the
			// next retry's).
			if due, ok := s.pending.flushDeadline(time.Now(), s.opts.window, s.opts.lazyWindow); timerC != nil && ok && due.Before(armed) && s.failing.Load() == nil {
				timer.Stop()
				timerC = nil
			}
		case <-timerC:
			timerC = nil
			if s.pending.n.Load() == 0 && s.failing.Load() != nil {
				_ = s.probe() // nothing to retry: find out whether writes work again
			}
			s.flushDue(time.Now())
		case <-s.quit:
			if timer != nil {
				timer.Stop()
			}
			return
		}
		if timerC == nil && (s.pending.n.Load() > 0 || s.pending.kept.Load() > 0 || s.failing.Load() != nil) {
			// Due one window after the oldest queued write was accepted
			// (lazy writes: at their slice's next slot, then at the pushes'
			// lull or the slice's limit): at once when a slow commit made
			// it wait that long already. While writes fail, a window after
			// the last retry, whatever the writes' deadlines.
			d := s.opts.window
			if due, ok := s.pending.flushDeadline(time.Now(), s.opts.window, s.opts.lazyWindow); ok && s.failing.Load() == nil {
				d = max(time.Until(due), 0)
			}
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			timerC, armed = timer.C, time.Now().Add(d)
		} else if timerC == nil {
			// Idle: nothing to write, retry or expire. The arrays kept for
			// the next lazy flush go, so that a store whose pushes have
			// stopped (or that never had any) pins none of them.
			s.values.release()
		}
	}
}

// flushDue flushes, at now, the writes that are due: those that are not
// lazy, and the lazy ones of the slices due (lazyDue: whose slot has come
// while the pushes pause, or whose limit has come) — every lazy one while
// writes fail: then every retry takes everything. Entries that fail stay
// pending and are retried. A flush of lazy writes none of which is forced
// yet gives way to the pushes: it stops when a lazy write comes, and goes
// on at their next lull (or its limit).
func (s *Store) flushDue(now time.Time) {
	seen := s.pending.lastLazy.Load() // before lazyDue reads it: a push after it is seen
	lazy, forced, _, waiting := s.pending.lazyDue(now, s.opts.lazyWindow)
	failing := s.failing.Load() != nil
	if failing {
		lazy, forced = allLazy, allLazy
	}
	if lazy == 0 && waiting && !failing {
		if due, ok := s.pending.queuedDeadline(s.opts.window); !ok || now.Before(due) {
			// Woken to look for a lull: the pushes go on, no slice is at
			// its limit, and the updates that are not lazy are not due.
			// Nothing is written, and no generation passes.
			return
		}
	}
	if forced != 0 {
		seen = -1 // a slice at its limit: no giving way
	}
	_ = s.flush(lazy, true, seen)
	if lazy == 0 || now.Sub(s.generation) >= s.opts.lazyWindow {
		// A generation per flush of updates that are not lazy, and one
		// per lazy window when only lazy writes come, not one per slice:
		// a session pushed once a lazy window finds its clean entry at its
		// next push.
		s.pending.expireClean()
		s.generation = now
	}
}

// run executes one batch of requests.
func (s *Store) run(batch []*op) {
	var creates []*op
	flush := false
	for _, o := range batch {
		switch o.kind {
		case opCreate:
			creates = append(creates, o)
		case opFlush:
			flush = true
		case opExclusive:
			o.err = o.fn()
			close(o.done)
		}
	}
	if flush {
		err := s.flushPending()
		for _, o := range batch {
			if o.kind == opFlush {
				o.err = err
				close(o.done)
			}
		}
	}
	if len(creates) > 0 {
		s.commitCreates(creates)
	}
}

// update runs fn in a write transaction (commit = fsync), recording the
// longest time the write lock was held and whether writes succeed.
func (s *Store) update(fn func(tx *bbolt.Tx) error) error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	start := time.Now()
	err := s.guardedUpdate(fn)
	s.noteWrite(err)
	d := int64(time.Since(start))
	if s.writeHook != nil {
		s.writeHook(time.Duration(d))
	}
	for {
		cur := s.longestWrite.Load()
		if d <= cur || s.longestWrite.CompareAndSwap(cur, d) {
			break
		}
	}
	return err
}

func addCount(tx *bbolt.Tx, delta int64) error {
	if delta == 0 {
		return nil
	}
	meta := tx.Bucket(bucketMeta)
	n, err := readCount(tx)
	if err != nil {
		return err
	}
	return meta.Put(metaCount, u64(uint64(int64(n)+delta)))
}

// commitCreates stores new sessions in one transaction.
func (s *Store) commitCreates(creates []*op) {
	err := s.update(func(tx *bbolt.Tx) error {
		sb, ib := tx.Bucket(bucketSessions), tx.Bucket(bucketExpiry)
		added := int64(0)
		for _, o := range creates {
			o.err = nil
			if sb.Get(o.id[:]) != nil {
				o.err = fmt.Errorf("%w: %s", session.ErrSessionIDExists, o.id.Short())
				continue
			}
			if err := sb.Put(o.id[:], o.value); err != nil {
				return err
			}
			h, _ := readHeader(o.value, false)
			if err := ib.Put(indexKey(h.deadline, o.id), nil); err != nil {
				return err
			}
			added++
		}
		return addCount(tx, added)
	})
	for _, o := range creates {
		if err != nil {
			o.err = fmt.Errorf("%w: writing new sessions: %w", session.ErrStoreUnavailable, err)
		}
		close(o.done)
	}
}

// flushPending commits every pending write, lazy ones included.
func (s *Store) flushPending() error { return s.flush(allLazy, false, -1) }

// flush commits every pending write (the lazy ones of the slices lazy
// selects: see lazySlices), in transactions of at most maxWritesPerTx
// writes so that readers and creators never wait long. It takes the
// writes pending when it starts in key order, so that its transactions
// rewrite disjoint runs of leaf pages: taken as they come, each
// transaction of a flush of 2,000 pushed sessions rewrote nearly every
// leaf, and a flush wrote each page once per transaction. Writes accepted while it runs start a new window. The
// updates that waited for it (see holdWhileOverdue) go on as soon as it
// has taken the overdue writes — those after them start a new window —
// not when it ends: a flush of thousands of lazy writes takes a core for
// tens of milliseconds, and every push would otherwise stop for that long
// each lazy window. They are woken again when it ends. With yield, it
// stops between two transactions when a request waits for the writer (a
// new session's commit, behind a flush of thousands of lazy writes that
// it encodes first): the writes left go back to the pending set's queue
// with the deadlines they had, so that the writer, having served the
// request, flushes them at once. With yield and seen ≥ 0 — the last lazy
// write's time (pendingSet.lastLazy) when the writer found the pushes
// paused — its lazy writes give way likewise as soon as a lazy write has
// come since (a push's fan-out began: the flush would take a core from
// it), before it commits what it has encoded: a pause of the pushes
// inside a fan-out then costs the fan-out the encoding of a few records,
// not a commit and its fsync. The records encoded keep their values,
// which the next flush commits as they are; the lazy writes left wait for
// the pushes' next lull, or their limit (see lazyDue). The writes that
// are not lazy never give way to pushes: the flush commits them (with
// the records encoded in their transaction), since Update holds every
// action while they are overdue. seen < 0 never gives way to pushes.
func (s *Store) flush(lazy uint, yield bool, seen int64) error {
	queued := s.pending.queuedSince.Swap(0) // every write queued so far is taken now
	var lazySince [lazySlices]int64
	for k := range lazySince {
		if lazy&(1<<k) != 0 {
			lazySince[k] = s.pending.lazySince[k].Swap(0)
		}
	}
	s.flushed.notify()
	defer s.flushed.notify()
	giveWay := func() error {
		requeue(&s.pending.queuedSince, queued)
		for k, since := range lazySince {
			requeue(&s.pending.lazySince[k], since)
		}
		return nil
	}
	// pushed: a push came; the flush takes only the writes that are not
	// lazy, and the lazy ones already encoded with them.
	pushed := false
	pushesCame := func() bool { return yield && seen >= 0 && !pushed && s.pending.lastLazy.Load() != seen }
	if queued == 0 && pushesCame() { // only lazy writes: none taken
		return giveWay()
	}
	var sealer session.Sealer // the flush's lazy writes share fragment states (a push's tabs)
	rest := s.pending.ordered(lazy)
	for len(rest) > 0 {
		var es []flushEntry
		taken := 0
		if !pushesCame() {
			es, taken = s.encodeLazy(&sealer, rest[:min(len(rest), maxWritesPerTx)], pushesCame)
			rest = rest[taken:]
		}
		if pushesCame() {
			// Updates that are not lazy (an action's, a deletion) never
			// wait for pushes: Update holds every action once they are
			// overdue. They are committed, with what es holds if it holds
			// one; the lazy writes left wait for the next lull.
			pushed = true
			rest = notLazy(rest)
			if !slices.ContainsFunc(es, isEager) {
				es = nil
			}
		}
		if len(es) == 0 { // every one dropped, or given way
			continue
		}
		applied, err := s.commitPending(es)
		if err != nil {
			// The writes stay pending with their deadlines: the writer
			// retries once a window while writes fail, and a retry that
			// succeeds and gives way leaves them due on time.
			_ = giveWay()
			return fmt.Errorf("%w: writing pending updates: %w", session.ErrStoreUnavailable, err)
		}
		s.pending.settle(es[:applied])
		s.recycle(es[:applied])
		if applied < len(es) { // the rest of es first: key order holds
			rest = slices.Concat(es[applied:], rest)
		}
		if len(rest) > 0 && yield && len(s.ops) > 0 {
			return giveWay()
		}
	}
	if pushed {
		// Every write that is not lazy is committed: the lazy slices keep
		// their oldest write's time, for the next lull or their limit.
		for k, since := range lazySince {
			requeue(&s.pending.lazySince[k], since)
		}
	}
	return nil
}

// notLazy returns the writes of es that are not lazy, in es's order and
// array. A write's lazy is set before the pending set holds it, and never
// changes after.
func notLazy(es []flushEntry) []flushEntry {
	return slices.DeleteFunc(es, func(e flushEntry) bool { return !isEager(e) })
}

func isEager(e flushEntry) bool { return !e.w.lazy }

// commitPending writes es, encoded, in one transaction, stopping after
// txWorkBudget of work: it returns how many of es it wrote (the rest go
// in the next transaction).
func (s *Store) commitPending(es []flushEntry) (int, error) {
	applied := len(es)
	legacy := s.legacy.Load()
	err := s.update(func(tx *bbolt.Tx) error {
		sb, ib := tx.Bucket(bucketSessions), tx.Bucket(bucketExpiry)
		// One cursor per bucket for the transaction's look-ups and index
		// deletions: Bucket.Get and Delete make one each, whose stack of
		// pages grows on the heap (an allocation per level, per call).
		// Seek starts again from the bucket's root, so a cursor stays
		// right after the writes between its uses.
		sc, ic := sb.Cursor(), ib.Cursor()
		removed := int64(0)
		start := time.Now()
		for i := range es {
			e := &es[i] // its id is sliced below: a copy would escape
			if i%32 == 31 && time.Since(start) > txWorkBudget {
				applied = i
				break
			}
			old := cursorGet(sc, e.id[:])
			if old == nil {
				continue // deleted meanwhile: never resurrect
			}
			oh, herr := readHeader(old, legacy)
			if e.w.rec == nil {
				if herr == nil {
					if err := cursorDelete(ic, indexKey(oh.deadline, e.id)); err != nil {
						return err
					}
				}
				if err := sb.Delete(e.id[:]); err != nil {
					return err
				}
				removed++
				continue
			}
			nd := binary.BigEndian.Uint64(e.w.value[1:9])
			if herr != nil || oh.deadline != nd {
				if herr == nil {
					if err := cursorDelete(ic, indexKey(oh.deadline, e.id)); err != nil {
						return err
					}
				}
				if err := ib.Put(indexKey(nd, e.id), nil); err != nil {
					return err
				}
			}
			if err := sb.Put(e.id[:], e.w.value); err != nil {
				return err
			}
		}
		return addCount(tx, -removed)
	})
	return applied, err
}

// cursorGet is Bucket.Get through c: key's value, nil when key is not
// there or names a bucket.
func cursorGet(c *bbolt.Cursor, key []byte) []byte {
	k, v := c.Seek(key)
	if !bytes.Equal(k, key) {
		return nil
	}
	return v
}

// cursorDelete is Bucket.Delete through c: it removes key, if there.
func cursorDelete(c *bbolt.Cursor, key []byte) error {
	if k, _ := c.Seek(key); !bytes.Equal(k, key) {
		return nil
	}
	return c.Delete()
}

// flushAll commits every pending write and waits for it.
func (s *Store) flushAll(ctx context.Context) error {
	return s.submit(ctx, &op{kind: opFlush})
}

func (s *Store) guardedUpdate(fn func(tx *bbolt.Tx) error) error {
	err := safeUpdate(s.db, s.path, fn)
	if errors.Is(err, ErrDamagedFile) {
		s.damaged.Store(true) // bbolt's free page list may be damaged too
	}
	return err
}

// encodeLazy encodes the values of the lazy writes in es that have none
// yet, outside the transaction, with sl (whose fragment states they share:
// the tabs of a push hold one State per transition), for at most
// txWorkBudget. It returns the writes ready for the transaction, in es's
// order and in es's own array, and how many of es it took; the rest wait
// for the next transaction — as they do once stop reports true (a push's
// fan-out began: the transaction commits what is encoded, and the flush
// gives way). A record that cannot be encoded
// (beyond the decoding limits) is never written: its write leaves the
// pending set, with a warning, and the session's next update finds the
// file's older revision and fails with ErrConflict, which makes the
// session reload what the file holds.
func (s *Store) encodeLazy(sl *session.Sealer, es []flushEntry, stop func() bool) ([]flushEntry, int) {
	out := es[:0]
	start := time.Now()
	for i, e := range es {
		if e.w.rec != nil && e.w.value == nil {
			if i%32 == 31 && (time.Since(start) > txWorkBudget || stop()) && len(out) > 0 {
				return out, i
			}
			buf := s.values.get()
			v, err := sealValue(sl, buf, e.w.rec)
			if err != nil {
				s.values.put(buf)
				s.dropUnstorable(e, err)
				continue
			}
			e.w.value = v
		}
		out = append(out, e)
	}
	return out, len(es)
}

// recycle gives the values of es, committed, to the writer's pool. A
// committed write's value is read again by nothing: its transaction has
// ended, reads and the compare-and-set take the pending write's record,
// and a flush takes dirty writes only, which a committed one never is
// again (settle makes it clean, or a newer write replaced it).
func (s *Store) recycle(es []flushEntry) {
	for _, e := range es {
		if e.w.value != nil {
			s.values.put(e.w.value)
			e.w.value = nil
		}
	}
}

// dropUnstorable removes e, a lazy write that cannot be encoded, from the
// pending set unless a newer write replaced it meanwhile.
func (s *Store) dropUnstorable(e flushEntry, err error) {
	s.opts.logger.Warn("bolt: a lazy session update cannot be stored and is dropped; the session goes back to its stored revision",
		"file", s.path, "session", e.id.Short(), "err", err)
	sh := s.pending.shard(e.id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m[e.id] == e.w && !e.w.clean {
		delete(sh.m, e.id)
		s.pending.n.Add(-1)
	}
}

// requeue makes since (Unix ns, 0: nothing queued) no later than old, the
// value a flush took from it; old 0 changes nothing.
func requeue(since *atomic.Int64, old int64) {
	for old != 0 {
		cur := since.Load()
		if cur != 0 && cur <= old || since.CompareAndSwap(cur, old) {
			return
		}
	}
}
