package session

import (
	"time"

	"github.com/livefir/statetemplate/fragments"
)

// FormatVersion is the record format this build writes. Decoders refuse
// records from a newer format rather than half-read them.
const FormatVersion = 1

// Record is the persisted form of a session: everything needed to restore
// it after a restart, and never the live session object. Stores treat a
// Record as immutable once handed to them: every change arrives as a new
// Record with a higher Rev.
//
// Field keys are small integers so that the CBOR encoding stays compact;
// never renumber a field, only add new ones.
type Record struct {
	// Format is the record format version (FormatVersion when written).
	Format uint8 `cbor:"0,keyasint"`
	// ID identifies the session.
	ID ID `cbor:"1,keyasint"`
	// KeyID is the id of the signing key that sealed the session's current token.
	KeyID uint32 `cbor:"2,keyasint"`
	// TokenGen is the token generation: RefreshToken increments it, and a
	// token of an older generation no longer opens the session.
	TokenGen uint32 `cbor:"3,keyasint"`
	// Rev is the revision, incremented on every update. Stores use it for
	// compare-and-set (see Store.Update).
	Rev uint64 `cbor:"4,keyasint"`
	// Created, LastAccess and ExpiresAt are absolute times (UTC).
	Created    time.Time `cbor:"5,keyasint"`
	LastAccess time.Time `cbor:"6,keyasint"`
	ExpiresAt  time.Time `cbor:"7,keyasint"`
	// IdleTimeout, when non-zero, ends the session after that long without access.
	IdleTimeout time.Duration `cbor:"8,keyasint,omitempty"`
	// DataType is the registered name of the data's Go type (see Types).
	DataType string `cbor:"9,keyasint"`
	// Data is the canonical CBOR encoding of the session's data.
	Data []byte `cbor:"10,keyasint"`
	// Fragments is the fragment state of the last render.
	Fragments *fragments.State `cbor:"11,keyasint,omitempty"`
	// Template names the template of the renderer's set that renders the
	// session's page; "" is the renderer's own template.
	Template string `cbor:"12,keyasint,omitempty"`
	// Lease, when set, ends the session at that moment unless it is renewed
	// or a handle holds the session open (see Handle.SetLease).
	Lease time.Time `cbor:"13,keyasint,omitzero"`
	// Title is the text of the <title> of the page last rendered.
	Title string `cbor:"14,keyasint,omitempty"`

	// Value is the decoded data. In-process stores keep it so that data of
	// any type works without registration; it is never encoded.
	Value any `cbor:"-"`
	// Memo is what the Incremental renderer keeps between renders of the
	// page Fragments describes (which parts read what, where they are);
	// it is never encoded: a record read from a store has none, and its
	// next render executes the whole page once.
	Memo any `cbor:"-"`

	// lists keeps the encodings of the data's large lists for the next
	// RenderFragments (listMemo): in memory only, handed from each record
	// of a session to the next, dropped when the record is packed.
	lists *listSlot

	// packed and packDict hold Data and Fragments compressed while the
	// session is idle (see pack.go); both fields are then nil.
	packed   []byte
	packDict *packDict
}

// Expired reports whether the record has expired at now: absolutely, by
// idle timeout, or at the end of its lease.
func (r *Record) Expired(now time.Time) bool {
	return r.expiredHeld(now) || r.leaseEnded(now)
}

// expiredHeld reports whether the record has expired at now even though a
// handle holds it: absolutely or by idle timeout.
func (r *Record) expiredHeld(now time.Time) bool {
	return !now.Before(r.ExpiresAt) || r.IdleTimeout > 0 && now.Sub(r.LastAccess) >= r.IdleTimeout
}

func (r *Record) leaseEnded(now time.Time) bool { return !r.Lease.IsZero() && !now.Before(r.Lease) }

// Deadline returns the moment the record expires if it is not accessed
// again: the earliest of ExpiresAt, LastAccess+IdleTimeout and Lease.
func (r *Record) Deadline() time.Time {
	d := r.ExpiresAt
	if r.IdleTimeout > 0 {
		if idle := r.LastAccess.Add(r.IdleTimeout); idle.Before(d) {
			d = idle
		}
	}
	if !r.Lease.IsZero() && r.Lease.Before(d) {
		d = r.Lease
	}
	return d
}

// Clone returns a shallow copy of r whose Data slice and Fragments (or
// packed form) are shared: they are immutable once stored.
func (r *Record) Clone() *Record {
	c := *r
	return &c
}
