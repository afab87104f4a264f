package memory

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/livefir/statetemplate/session"
)

// Unused returns up to limit records that are not packed and were not
// used (Create, Get, Update) at or after before, least recently used
// first. It walks each shard's LRU list from its tail, over the records of
// every session unused since before: O(idle sessions).
func (s *Store) Unused(ctx context.Context, before time.Time, limit int) ([]*session.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	cut := uint64(max(before.UnixNano(), 0))
	type unused struct {
		rec *session.Record
		at  uint64
	}
	var found []unused
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n := 0
		for it := sh.lru.back(); it != nil && it.lastUse < cut && n < limit; it = it.prev {
			if !it.rec.Packed() {
				found = append(found, unused{it.rec, it.lastUse})
				n++
			}
		}
		sh.mu.Unlock()
	}
	slices.SortFunc(found, func(a, b unused) int { return cmp.Compare(a.at, b.at) })
	recs := make([]*session.Record, min(len(found), limit))
	for i := range recs {
		recs[i] = found[i].rec
	}
	return recs, nil
}

// Swap stores rec in place of old if old is the stored record of
// rec.ID. It is not a use: the session keeps its place in the LRU order.
func (s *Store) Swap(old, rec *session.Record) bool {
	if old.ID != rec.ID || old.Rev != rec.Rev {
		return false
	}
	sh := s.shard(rec.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	it, ok := sh.items[rec.ID]
	if !ok || it.rec != old || s.closed.Load() {
		return false
	}
	it.rec = rec
	return true
}

var _ session.Packer = (*Store)(nil)
