package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/livefir/statetemplate/token"
)

// claims opens tok, translating token errors into the session sentinels.
func (m *Manager) claims(tok string) (token.Claims, error) {
	c, err := m.cfg.Keys.Open(tok, m.now())
	switch {
	case errors.Is(err, token.ErrExpired):
		return c, fmt.Errorf("%w: %v", ErrSessionExpired, err)
	case err != nil:
		return c, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return c, nil
}

// acquire resolves tok to the entry of its session and the token's
// generation, holding a reference that the caller must release.
func (m *Manager) acquire(ctx context.Context, tok string) (*entry, uint32, error) {
	if err := m.closed(); err != nil {
		return nil, 0, err
	}
	c, err := m.claims(tok)
	if err != nil {
		return nil, 0, err
	}
	e, loaded, err := m.acquireID(ctx, ID(c.SessionID))
	if err != nil {
		return nil, 0, err
	}
	e.mu.Lock()
	if !loaded {
		err = m.refresh(ctx, e)
	}
	if err == nil {
		err = m.check(ctx, e, c.Gen)
	}
	e.mu.Unlock()
	if err != nil {
		m.release(e)
		return nil, 0, err
	}
	return e, c.Gen, nil
}

// acquireID returns the live entry of id, loading it from the cache or the
// store when no one is using it, and whether this call loaded it. Two
// callers for one session always share one entry.
func (m *Manager) acquireID(ctx context.Context, id ID) (*entry, bool, error) {
	sh := m.shard(id)
	for attempt := 0; ; attempt++ {
		sh.mu.Lock()
		if e := sh.live[id]; e != nil {
			e.refs++
			sh.mu.Unlock()
			return e, false, nil
		}
		ended := sh.ended
		sh.mu.Unlock()

		rec, prov := m.nursery.get(id, m.now())
		cached := false
		if !prov {
			var err error
			rec, cached, err = m.load(ctx, id) // outside the shard lock: the store may be remote
			if err != nil {
				return nil, false, err
			}
		}
		sh.mu.Lock()
		e := sh.live[id]
		if e == nil && sh.ended != ended && attempt < maxLoadAttempts {
			// A session was deleted while we read: the record may be its
			// last one. Read again rather than bring it back.
			sh.mu.Unlock()
			continue
		}
		loaded := e == nil
		if loaded { // else someone loaded it meanwhile: theirs wins, ours is dropped
			e = &entry{id: id, rec: rec, prov: prov, used: m.now().UnixNano()}
			sh.live[id] = e
			if m.cfg.Cache != nil && !cached && !prov {
				m.cfg.Cache.Set(rec) // under the lock: forget cannot interleave
			}
		}
		e.refs++
		sh.mu.Unlock()
		return e, loaded, nil
	}
}

// refresh brings the entry of a session held in memory up to date with a
// store other servers share (a Revisioner): one round trip compares the
// stored revision with the held one; another server's update reloads the
// record, and a session gone from the store — invalidated elsewhere,
// expired or wiped by the store — ends here too. When the store cannot
// answer, the held state is served: no other server can change the
// session through an unreachable store either. e.mu must be held.
func (m *Manager) refresh(ctx context.Context, e *entry) error {
	rv, ok := m.cfg.Store.(Revisioner)
	if !ok || e.gone || e.prov { // a provisional session is not in the store yet
		return nil
	}
	rev, err := rv.Revision(ctx, e.id)
	switch {
	case errors.Is(err, ErrSessionNotFound):
		m.drop(e, fmt.Errorf("%w: session %s is no longer in the store (ended by another server, or expired there)", ErrSessionNotFound, e.id.Short()))
		return e.err
	case err != nil || rev == e.rec.Rev:
		return nil
	}
	fresh, _, err := m.load(ctx, e.id)
	switch {
	case errors.Is(err, ErrSessionNotFound):
		m.drop(e, fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err))
		return e.err
	case err != nil:
		return nil
	}
	e.rec = fresh
	if m.cfg.Cache != nil {
		m.cfg.Cache.Set(fresh)
	}
	return nil
}

// drop marks e gone with err because its record is gone from the store
// already. e.mu must be held.
func (m *Manager) drop(e *entry, err error) {
	e.gone, e.err = true, err
	if m.cfg.Cache != nil {
		m.cfg.Cache.Delete(e.id)
	}
}

// maxLoadAttempts bounds acquireID's re-reads while sessions of its shard
// keep ending.
const maxLoadAttempts = 8

// pin returns the live entry of id with a reference held, or nil when the
// session is not in use.
func (m *Manager) pin(id ID) *entry {
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.live[id]
	if e != nil {
		e.refs++
	}
	return e
}

// release drops a reference; the last one removes the entry from the live
// set, leaving its record in the cache.
func (m *Manager) release(e *entry) {
	sh := m.shard(e.id)
	sh.mu.Lock()
	e.refs--
	last := e.refs == 0
	if last && sh.live[e.id] == e {
		delete(sh.live, e.id)
	}
	sh.mu.Unlock()
}

// load reads a session's record from the cache or the store and makes sure
// its data is decoded, reporting whether it came from the cache. It does
// not fill the cache: the caller does, once it knows the record is not a
// deleted session's.
func (m *Manager) load(ctx context.Context, id ID) (*Record, bool, error) {
	if m.cfg.Cache != nil {
		if rec, ok := m.cfg.Cache.Get(id); ok {
			return rec, true, nil
		}
	}
	rec, err := m.cfg.Store.Get(ctx, id)
	if err != nil {
		if errors.Is(err, ErrCorruptRecord) {
			m.logCorrupt(id, err)
		}
		return nil, false, err
	}
	if rec.Value == nil && rec.DataType != nilType {
		v, err := m.cfg.Types.Decode(rec.DataType, rec.Data)
		if err != nil {
			m.logCorrupt(id, err)
			return nil, false, fmt.Errorf("%w: session %s: %w", ErrSessionNotFound, id.Short(), err)
		}
		rec = rec.Clone()
		rec.Value = v
	}
	return rec, false, nil
}

// logCorrupt logs an undecodable session once per process.
func (m *Manager) logCorrupt(id ID, err error) {
	if _, seen := m.corruptLogged.LoadOrStore(id, struct{}{}); !seen {
		m.cfg.Logger.Warn("statetemplate: session cannot be restored", "session", id.Short(), "err", err)
	}
}

// check verifies, under e.mu, that the session is still valid for a token
// of generation gen. An expired session is deleted.
func (m *Manager) check(ctx context.Context, e *entry, gen uint32) error {
	if e.gone {
		return e.err
	}
	if e.rec.TokenGen != gen {
		return fmt.Errorf("%w: session %s: token was replaced by RefreshToken", ErrInvalidToken, e.id.Short())
	}
	if e.expired(m.now()) {
		m.end(ctx, e, fmt.Errorf("%w: session %s", ErrSessionExpired, e.id.Short()))
		return e.err
	}
	return nil
}

// end deletes e's session from the store and marks the entry gone with
// err. e.mu must be held.
func (m *Manager) end(ctx context.Context, e *entry, err error) {
	if e.gone {
		return
	}
	e.gone, e.err = true, err
	if e.prov {
		m.nursery.remove(e.id)
		return
	}
	m.forget(ctx, e.id)
}

// forget deletes a session's record from the store and the cache. It
// counts the deletion in the shard before and after, so that a load that
// overlapped it does not bring the record back (see acquireID).
func (m *Manager) forget(ctx context.Context, id ID) {
	sh := m.shard(id)
	bump := func() {
		sh.mu.Lock()
		sh.ended++
		sh.mu.Unlock()
	}
	bump()
	defer bump()
	if m.cfg.Cache != nil {
		m.cfg.Cache.Delete(id)
	}
	if err := m.cfg.Store.Delete(context.WithoutCancel(ctx), id); err != nil {
		m.cfg.Logger.Warn("statetemplate: deleting session", "session", id.Short(), "err", err)
		return
	}
	m.count.Add(-1)
	m.corruptLogged.Delete(id)
}

// commit stores next as e's new record. e.mu must be held. On a conflict
// with another writer the entry takes the stored record, so that the next
// attempt starts from the fresh state.
func (m *Manager) commit(ctx context.Context, e *entry, next *Record) error {
	if !sameSlice(next.Data, e.rec.Data) && IsDurable(m.cfg.Store) {
		if err := checkStorable(next.Value, next.Data); err != nil {
			return fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err)
		}
	}
	if e.prov {
		m.nursery.put(next, m.now())
		e.rec = next
		return nil
	}
	err := m.cfg.Store.Update(ctx, next)
	switch {
	case err == nil:
		e.rec = next
		if m.cfg.Cache != nil {
			m.cfg.Cache.Set(next)
		}
		return nil
	case errors.Is(err, ErrConflict):
		if m.cfg.Cache != nil {
			m.cfg.Cache.Delete(e.id)
		}
		if fresh, _, lerr := m.load(ctx, e.id); lerr == nil {
			e.rec = fresh
			if m.cfg.Cache != nil {
				m.cfg.Cache.Set(fresh)
			}
		}
		return fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err)
	case errors.Is(err, ErrSessionNotFound):
		m.drop(e, fmt.Errorf("statetemplate: session %s: %w", e.id.Short(), err))
		return e.err
	default:
		return fmt.Errorf("statetemplate: saving session %s: %w", e.id.Short(), err)
	}
}

// sameSlice reports whether a and b are the same bytes in memory: a record
// that kept its predecessor's data (a page render, a touch, a refresh).
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
