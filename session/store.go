package session

import (
	"context"
	"io"
	"time"
)

// Store persists session records. It is the design's SessionStore,
// defined here where it is consumed. Every implementation must pass the
// contract suite in package session/storetest.
//
// The contract:
//   - All methods are safe for concurrent use and honour ctx: a call never
//     blocks past ctx's deadline, and a call whose ctx is already done
//     returns an error wrapping ctx.Err() and changes nothing.
//   - Create stores a new record; if a record with that ID exists it returns
//     an error wrapping ErrSessionIDExists and changes nothing. When Create
//     returns nil the record is as durable as the store promises (for the
//     bolt store: fsynced).
//   - Get returns the stored record, or an error wrapping ErrSessionNotFound
//     when there is none. It may return an expired record: expiry is the
//     caller's decision. A record that cannot be decoded yields an error
//     wrapping both ErrSessionNotFound and ErrCorruptRecord, and affects no
//     other record. The returned record must not be modified. A store that
//     is not Durable returns Record.Value as stored (the manager relies on
//     it for data of unregistered types); a Durable store may leave it nil.
//   - Update replaces the record whose ID and Rev match rec.ID and rec.Rev-1
//     (compare-and-set). A missing record wraps ErrSessionNotFound; a stored
//     revision other than rec.Rev-1 wraps ErrConflict and changes nothing.
//     Stores may make updates durable later (see each store's durability
//     window), but Get always sees the latest Update.
//   - Delete removes the record; deleting a missing record is not an error.
//   - Expired returns up to limit IDs of records whose Deadline is not after
//     before, earliest first; it lists, it does not delete. An Update that
//     moves the deadline (a later LastAccess with an idle timeout) moves the
//     record in this listing. Stores index records by deadline so that this
//     costs O(result), not a scan. A store that deletes every record at its
//     Deadline by itself (SelfExpiring) lists nothing instead.
//   - HealthCheck returns nil when the store can serve requests, otherwise an
//     error wrapping ErrStoreUnavailable.
//   - Count returns the number of stored records, expired or not.
//   - Close flushes pending writes and releases the store; further calls
//     (other than Close) return errors wrapping ErrStoreUnavailable.
type Store interface {
	Create(ctx context.Context, rec *Record) error
	Get(ctx context.Context, id ID) (*Record, error)
	Update(ctx context.Context, rec *Record) error
	Delete(ctx context.Context, id ID) error
	Expired(ctx context.Context, before time.Time, limit int) ([]ID, error)
	HealthCheck(ctx context.Context) error
	Count(ctx context.Context) (int, error)
	io.Closer
}

// Durable is implemented by stores whose records outlive the process.
// Sessions in such a store must hold data of a registered type, since they
// are restored from bytes alone.
type Durable interface {
	Durable() bool
}

// KeyKeeper is implemented by durable stores that can keep the token
// signing key next to the sessions, so that tokens stay valid across a
// restart when the app configures no key. LoadOrCreateKey returns the
// stored key, or stores and returns newKey() when there is none.
type KeyKeeper interface {
	LoadOrCreateKey(ctx context.Context, newKey func() []byte) ([]byte, error)
}

// SelfExpiring is implemented by stores that delete every record at its
// Deadline by themselves (Redis key expiry), so that the sweeper has
// nothing to do: their Expired returns no IDs, and Get, Update and Count
// stop seeing a record once its deadline has passed (by the store's clock).
type SelfExpiring interface {
	ExpiresRecords() bool
}

// Revisioner is implemented by stores that several processes share
// (Redis). Revision returns the revision of the stored record of id, or an
// error wrapping ErrSessionNotFound when there is none, in one round trip.
// The manager calls it before it serves a session it holds in memory, so
// that another server's update, an invalidation or an expiry is seen by
// the next read on every server.
type Revisioner interface {
	Revision(ctx context.Context, id ID) (uint64, error)
}

// Packer is implemented by stores that hold records in process memory
// (storage/memory), so that the manager can keep the records of idle
// sessions packed (see Config.IdleCompaction).
type Packer interface {
	// Unused returns up to limit records that are not packed and were
	// neither read (Get) nor written (Create, Update) at or after before,
	// least recently used first. A record returned and not swapped is
	// returned again by later calls while it stays unused.
	Unused(ctx context.Context, before time.Time, limit int) ([]*Record, error)
	// Swap stores rec in place of old, the same session at the same
	// revision in another form (packed or unpacked), if old is still the
	// stored record, and reports whether it was. It is not a use.
	Swap(old, rec *Record) bool
}

// IsDurable reports whether s keeps records beyond the process's life.
func IsDurable(s Store) bool {
	d, ok := s.(Durable)
	return ok && d.Durable()
}

// ExpiresRecords reports whether s deletes records at their deadline by
// itself (see SelfExpiring).
func ExpiresRecords(s Store) bool {
	e, ok := s.(SelfExpiring)
	return ok && e.ExpiresRecords()
}
