package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/livefir/statetemplate/token"
)

// CreateOptions are the per-session settings of Create.
type CreateOptions struct {
	// Expiration overrides Config.Expiration for this session.
	Expiration time.Duration
	// IdleTimeout overrides Config.IdleTimeout for this session.
	IdleTimeout time.Duration
	// Template names the template that renders the session's page; "" is
	// the renderer's own.
	Template string
	// Provisional holds the session in memory only until Open promotes it
	// into the store (see provisional.go): a page load that never connects
	// writes nothing.
	Provisional bool
}

// Create stores a new session holding data and returns its token. ctx
// bounds the store write only: the session outlives it.
func (m *Manager) Create(ctx context.Context, data any, opts CreateOptions) (string, error) {
	if err := m.closed(); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("statetemplate: creating session: %w", err)
	}
	if opts.Expiration < 0 || opts.IdleTimeout < 0 {
		return "", fmt.Errorf("statetemplate: creating session: negative expiration %v or idle timeout %v", opts.Expiration, opts.IdleTimeout)
	}
	durable := IsDurable(m.cfg.Store)
	if durable && !m.cfg.Types.Registered(data) {
		return "", fmt.Errorf("%w: %s: a durable store restores session data from bytes, so pass a sample of this type to WithDataTypes",
			ErrUnregisteredType, TypeName(data))
	}
	enc, err := EncodeData(data)
	if err == nil && durable {
		err = checkStorable(data, enc)
	}
	if err != nil {
		return "", fmt.Errorf("statetemplate: creating session: %w", err)
	}
	if err := m.checkSize(len(enc), TypeName(data)); err != nil {
		return "", err
	}
	if !opts.Provisional {
		if err := m.roomForOne(ctx); err != nil {
			return "", err
		}
	}

	exp, idle := m.cfg.Expiration, m.cfg.IdleTimeout
	if opts.Expiration > 0 {
		exp = opts.Expiration
	}
	if opts.IdleTimeout > 0 {
		idle = opts.IdleTimeout
	}
	now := m.now()
	rec := &Record{
		Format:      FormatVersion,
		ID:          NewID(),
		KeyID:       m.cfg.Keys.CurrentKeyID(),
		Rev:         1,
		Created:     now,
		LastAccess:  now,
		ExpiresAt:   now.Add(exp),
		IdleTimeout: idle,
		Template:    opts.Template,
		DataType:    TypeName(data),
		Data:        enc,
		Value:       data,
	}
	if opts.Provisional {
		m.nursery.put(rec, now)
		return m.seal(rec, now), nil
	}
	for attempt := 0; ; attempt++ {
		err = m.cfg.Store.Create(ctx, rec)
		if !errors.Is(err, ErrSessionIDExists) || attempt == 2 {
			break
		}
		rec.ID = NewID() // 2^-128: only a broken random source gets here twice
	}
	if err != nil {
		return "", fmt.Errorf("statetemplate: storing new session: %w", err)
	}
	m.count.Add(1)
	if m.cfg.Cache != nil {
		m.cfg.Cache.Set(rec)
	}
	return m.seal(rec, now), nil
}

func (m *Manager) seal(rec *Record, now time.Time) string {
	return m.cfg.Keys.Seal(token.Claims{
		SessionID: rec.ID,
		Gen:       rec.TokenGen,
		IssuedAt:  now,
		ExpiresAt: rec.ExpiresAt,
	})
}

// checkSize refuses data whose encoding is over Config.MaxDataBytes.
func (m *Manager) checkSize(n int, typeName string) error {
	if max := m.cfg.MaxDataBytes; max > 0 && n > max {
		return fmt.Errorf("%w: %s encodes to %d bytes, the limit is %d (WithMaxDataBytes)", ErrDataTooLarge, typeName, n, max)
	}
	return nil
}

// roomForOne refuses a session past MaxSessions. The manager's count is an
// estimate (other servers may share the store, and a session deleted by
// two callers at once is subtracted twice); at the limit it asks the store,
// whose Count is exact but may be costly, and the sweeper resyncs it.
func (m *Manager) roomForOne(ctx context.Context) error {
	max := int64(m.cfg.MaxSessions)
	if max <= 0 || m.count.Load() < max {
		return nil
	}
	n, err := m.cfg.Store.Count(ctx)
	if err != nil {
		return fmt.Errorf("statetemplate: counting sessions: %w", err)
	}
	m.count.Store(int64(n))
	if int64(n) >= max {
		return fmt.Errorf("%w: the store holds %d sessions, the limit is %d", ErrMaxSessionsReached, n, max)
	}
	return nil
}
