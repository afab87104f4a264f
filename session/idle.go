package session

import (
	"context"
	"fmt"
	"time"
)

// Idle compaction: a session not used for Config.IdleCompaction keeps its
// record packed (pack.go) — in its live entry when a handle holds it, and
// in the store when the store holds records in memory (a Packer). Its next
// use unpacks it (tens of microseconds) and renders its whole page once,
// since the incremental renderer's memo was dropped; after that, updates
// cost what they did before.

// Idle compaction defaults.
const (
	DefaultIdleCompaction = time.Minute
	// compactPerPass bounds the stored records one pass packs (each costs
	// about 0.1–0.2 ms for the reference dashboard); the rest wait for the
	// next pass.
	compactPerPass = 16 << 10
)

// full makes e's record unpacked, for work that reads its Data or
// Fragments, and marks the session used at now. A packed form that does
// not decode ends the session like a corrupt record. e.mu must be held.
func (m *Manager) full(ctx context.Context, e *entry, now time.Time) error {
	if e.gone {
		return e.err
	}
	e.used = now.UnixNano()
	if e.rec.packed == nil {
		return nil
	}
	rec, err := e.rec.unpacked()
	if err != nil {
		m.logCorrupt(e.id, err)
		m.end(ctx, e, fmt.Errorf("%w: session %s: %w", ErrSessionNotFound, e.id.Short(), err))
		return e.err
	}
	m.reform(e, rec)
	return nil
}

// reform replaces e's record by rec, the same revision in another form,
// in the entry, the store (a Packer) and the cache. e.mu must be held.
func (m *Manager) reform(e *entry, rec *Record) {
	old := e.rec
	e.rec = rec
	if p, ok := m.cfg.Store.(Packer); ok {
		p.Swap(old, rec)
	}
	if m.cfg.Cache != nil {
		m.cfg.Cache.Set(rec)
	}
}

// CompactIdle packs the records of sessions not used since
// Config.IdleCompaction ago and returns how many it packed. The sweeper
// calls it every half of that delay; it does nothing when idle compaction
// is off.
func (m *Manager) CompactIdle(ctx context.Context) (int, error) {
	if m.cfg.IdleCompaction <= 0 {
		return 0, nil
	}
	before := m.now().Add(-m.cfg.IdleCompaction)
	n := m.compactLive(before.UnixNano())
	p, ok := m.cfg.Store.(Packer)
	if !ok {
		return n, nil
	}
	recs, err := p.Unused(ctx, before, compactPerPass)
	if err != nil {
		return n, fmt.Errorf("statetemplate: listing idle sessions: %w", err)
	}
	for _, rec := range recs {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		// A session in use is packed through its entry, once idle there.
		if rec.packed != nil || m.inUse(rec.ID) {
			continue
		}
		packed, err := m.packer.pack(rec)
		if err != nil {
			m.cfg.Logger.Warn("statetemplate: compacting an idle session", "session", rec.ID.Short(), "err", err)
			continue
		}
		if p.Swap(rec, packed) {
			n++
		}
	}
	return n, nil
}

// compactLive packs the records of live entries unused since before (in
// Unix nanoseconds), skipping any whose lock is held: they are in use.
func (m *Manager) compactLive(before int64) int {
	var live []*entry
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		for _, e := range sh.live {
			e.refs++
			live = append(live, e)
		}
		sh.mu.Unlock()
	}
	n := 0
	for _, e := range live {
		if e.mu.TryLock() {
			if !e.gone && !e.prov && e.rec.packed == nil && e.used <= before {
				if packed, err := m.packer.pack(e.rec); err != nil {
					m.cfg.Logger.Warn("statetemplate: compacting an idle session", "session", e.id.Short(), "err", err)
				} else {
					m.reform(e, packed)
					n++
				}
			}
			e.mu.Unlock()
		}
		m.release(e)
	}
	return n
}

// inUse reports whether id has a live entry.
func (m *Manager) inUse(id ID) bool {
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.live[id] != nil
}
