package statetemplate

import (
	"context"
	"errors"
	"time"

	"github.com/livefir/statetemplate/storage/resilient"
)

// Health statuses.
const (
	// HealthOK: the session store serves requests.
	HealthOK = "ok"
	// HealthDegraded: the primary store (Redis) is unreachable and an
	// in-process fallback serves; see package storage/resilient.
	HealthDegraded = "degraded"
	// HealthUnavailable: the session store cannot serve requests — or
	// cannot store them: the bolt file's writes fail (reads may go on),
	// or Redis answers but refuses writes.
	HealthUnavailable = "unavailable"
)

// Health is a report on the renderer's session store: the design's
// HealthCheck, IsAvailable and GetSessionCount in one value, ready to be
// served as JSON from a health endpoint.
type Health struct {
	// Status is HealthOK, HealthDegraded or HealthUnavailable.
	Status string `json:"status"`
	// Available is the design's IsAvailable: sessions can be created and
	// used (true when degraded, too).
	Available bool `json:"available"`
	// Err is the design's HealthCheck: nil when available, else an error
	// wrapping ErrStoreUnavailable.
	Err error `json:"-"`
	// Error is Err's message, for JSON.
	Error string `json:"error,omitempty"`
	// Sessions is the store's session count — while degraded, the
	// sessions this server holds — or -1 when it could not be counted.
	Sessions int `json:"sessions"`
	// DegradedSince, Cause and PendingWriteBack describe an outage of the
	// primary store: when it began, the failure that began it, and how
	// many sessions wait to be written back.
	DegradedSince    time.Time `json:"degraded_since,omitzero"`
	Cause            string    `json:"cause,omitempty"`
	PendingWriteBack int       `json:"pending_write_back,omitempty"`
}

// healthTimeout bounds Health when ctx has no earlier deadline.
const healthTimeout = 5 * time.Second

// Health checks the session store — that it reads and that it writes —
// and counts its sessions, within ctx (and at most 5s). It never blocks on a dead store past that. Counting
// costs what the store's Count costs: for Redis a SCAN of the database,
// so poll it every few seconds, not per request.
func (r *Renderer) Health(ctx context.Context) Health {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	store := r.mgr.Store()
	h := Health{Status: HealthOK, Available: true, Sessions: -1}
	if err := store.HealthCheck(ctx); err != nil {
		if !errors.Is(err, ErrStoreUnavailable) {
			err = errors.Join(ErrStoreUnavailable, err)
		}
		h.Status, h.Available, h.Err, h.Error = HealthUnavailable, false, err, err.Error()
	}
	if rs, ok := store.(interface{ Status() resilient.Status }); ok {
		st := rs.Status()
		if st.Degraded {
			if h.Available {
				h.Status = HealthDegraded
			}
			h.DegradedSince, h.Cause = st.Since, st.LastError
		}
		h.PendingWriteBack = st.Pending
	}
	if h.Available {
		if n, err := store.Count(ctx); err == nil {
			h.Sessions = n
		}
	}
	return h
}
