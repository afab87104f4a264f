package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate/session"
)

// Defaults of Config.
const (
	DefaultPrefix         = "statetemplate:"
	DefaultCompressAbove  = 8 << 10
	DefaultMaxRecordBytes = 64 << 20
)

// Config tunes a Store. The zero value gives the defaults.
type Config struct {
	// Prefix starts every key the store writes. Default DefaultPrefix. It
	// must not contain a hash tag ("{" or "}"): every session key carries
	// its own, its session id, so that Redis Cluster spreads sessions over
	// all its masters.
	Prefix string
	// CompressAbove is the encoded record size, in bytes, above which a
	// record is stored DEFLATE-compressed (compress/flate, BestSpeed).
	// Default DefaultCompressAbove; negative disables compression.
	CompressAbove int
	// MaxRecordBytes bounds a record inflated from a compressed value, so
	// that a hostile value cannot exhaust memory. Default DefaultMaxRecordBytes.
	MaxRecordBytes int
	// CloseClient makes Close close the client too. Open sets it.
	CloseClient bool
}

// Store is a session.Store in Redis. It is safe for concurrent use.
type Store struct {
	c      goredis.UniversalClient
	cfg    Config
	keyKey string // the token signing key (KeyKeeper)
	health string // HealthCheck's probe key
	closed atomic.Bool
}

// New returns a store writing through c, which may be a single-node,
// Sentinel or Cluster client. For ctx deadlines to bound socket reads, c
// should have ContextTimeoutEnabled set (Open sets it); without it a call
// on an unresponsive server lasts up to c's ReadTimeout.
func New(c goredis.UniversalClient, cfg Config) (*Store, error) {
	if c == nil {
		return nil, errors.New("redis store: nil client")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.CompressAbove == 0 {
		cfg.CompressAbove = DefaultCompressAbove
	}
	if cfg.MaxRecordBytes <= 0 {
		cfg.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if err := CheckPrefix(cfg.Prefix); err != nil {
		return nil, err
	}
	return &Store{
		c:      c,
		cfg:    cfg,
		keyKey: cfg.Prefix + "signing-key",
		health: cfg.Prefix + "health",
	}, nil
}

// CheckPrefix reports whether p can be a Config.Prefix: it may not
// contain a hash tag ("{" or "}"), which would put every session in one
// Cluster slot.
func CheckPrefix(p string) error {
	if strings.ContainsAny(p, "{}") {
		return fmt.Errorf("redis store: prefix %q has a hash tag: each session key has its own, so that sessions spread over a Redis Cluster (use a prefix such as %q)",
			p, DefaultPrefix)
	}
	return nil
}

// Open connects to the Redis at url and pings it within ctx. The URL picks
// the deployment (go-redis's URL syntax):
//
//	redis://host:6379/0                          a single server — or a Cluster node: a server
//	                                             with cluster mode on is used through a Cluster client
//	redis://host1:7000?addr=host2:7000&addr=...  a Redis Cluster, seeded with these nodes
//	redis://s1:26379?master_name=m&addr=s2:26379 Sentinel: the sentinels and the master's name
//
// rediss:// is TLS and unix:// a socket. Timeouts the URL does not set
// default to 2s for dialing, reading and writing, and ctx deadlines bound
// every call (ContextTimeoutEnabled). The store closes the client on Close.
func Open(ctx context.Context, url string, cfg Config) (*Store, error) {
	c, err := dial(ctx, url)
	if err != nil {
		return nil, err
	}
	cfg.CloseClient = true
	s, err := New(c, cfg)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return s, nil
}

// ApplyTimeouts fills in the timeouts opt leaves unset so that no call
// hangs on a dead server: 2s to dial, read and write, one retry, two dial
// attempts, and ctx deadlines honoured.
func ApplyTimeouts(opt *goredis.Options) {
	applyTimeouts(&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.MaxRetries, &opt.DialerRetries, &opt.ContextTimeoutEnabled)
}

// applyTimeouts is ApplyTimeouts on the fields every kind of client
// options has.
func applyTimeouts(dial, read, write *time.Duration, retries, dialerRetries *int, ctxTimeout *bool) {
	*ctxTimeout = true
	for _, d := range []*time.Duration{dial, read, write} {
		if *d == 0 {
			*d = 2 * time.Second
		}
	}
	if *retries == 0 {
		*retries = 1
	}
	if *dialerRetries == 0 {
		*dialerRetries = 2
	}
}

// Client returns the client the store writes through.
func (s *Store) Client() goredis.UniversalClient { return s.c }

// Durable reports true: records outlive the process (as far as the Redis
// server's own persistence settings keep them).
func (s *Store) Durable() bool { return true }

// Key returns the Redis key of session id: the prefix, then the id as
// the key's hash tag, so that each session has a Cluster slot of its own.
func (s *Store) Key(id session.ID) string { return s.cfg.Prefix + "{" + id.String() + "}" }

func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("%w: redis store closed", session.ErrStoreUnavailable)
	}
	return ctx.Err()
}

// unavailable wraps an error of the connection or the server (anything but
// a definite answer) in ErrStoreUnavailable.
func unavailable(op string, err error) error {
	return fmt.Errorf("%w: redis %s: %w", session.ErrStoreUnavailable, op, err)
}

// isWrongType reports a WRONGTYPE reply: the key holds something this
// store did not write.
func isWrongType(err error) bool {
	return err != nil && strings.Contains(err.Error(), "WRONGTYPE")
}

// expiryMillis returns the PEXPIREAT time of rec in ms, rounded up so
// that Redis never drops a key before its deadline.
func expiryMillis(rec *session.Record) int64 {
	d := rec.Deadline()
	if d.Year() > 2200 || d.Year() < 1900 { // out of UnixNano's range
		return d.UnixMilli()
	}
	ns := d.UnixNano()
	ms := ns / 1e6
	if ns%1e6 > 0 {
		ms++
	}
	return ms
}

// Create stores rec unless a record with its ID exists. A record already
// due (Deadline not after Redis's clock) is not stored: Create returns nil
// and the record is simply gone, as if it had expired in the store.
func (s *Store) Create(ctx context.Context, rec *session.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	val, err := encodeValue(rec, s.cfg.CompressAbove)
	if err != nil {
		return err
	}
	n, err := createScript.Run(ctx, s.c, []string{s.Key(rec.ID)},
		val, strconv.FormatUint(rec.Rev, 10), expiryMillis(rec)).Int()
	switch {
	case isWrongType(err):
		return fmt.Errorf("%w: %s", session.ErrSessionIDExists, rec.ID.Short())
	case err != nil:
		return unavailable("create", err)
	case n == 0:
		return fmt.Errorf("%w: %s", session.ErrSessionIDExists, rec.ID.Short())
	}
	return nil
}

// Get returns the record of id, in one round trip. Its Value is nil: the
// caller decodes Data. A value whose checksum, format or revision field
// does not match is corrupt.
func (s *Store) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	vals, err := s.c.HMGet(ctx, s.Key(id), "v", "r").Result()
	switch {
	case isWrongType(err):
		return nil, fmt.Errorf("%w: %s: %w: key holds another type", session.ErrSessionNotFound, id.Short(), session.ErrCorruptRecord)
	case err != nil:
		return nil, unavailable("get", err)
	case len(vals) != 2 || vals[0] == nil:
		return nil, fmt.Errorf("%w: %s", session.ErrSessionNotFound, id.Short())
	}
	v, _ := vals[0].(string)
	r, _ := vals[1].(string)
	rec, err := decodeValue([]byte(v), s.cfg.MaxRecordBytes)
	switch {
	case err != nil:
	case rec.ID != id:
		err = fmt.Errorf("%w: record of session %s stored under %s", session.ErrCorruptRecord, rec.ID.Short(), id.Short())
	case r != strconv.FormatUint(rec.Rev, 10):
		err = fmt.Errorf("%w: record revision %d, revision field %q", session.ErrCorruptRecord, rec.Rev, r)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", session.ErrSessionNotFound, id.Short(), err)
	}
	return rec, nil
}

// Revision returns the stored revision of id (session.Revisioner): one
// HGET of a few bytes, for servers to check that the session they hold is
// still the stored one.
func (s *Store) Revision(ctx context.Context, id session.ID) (uint64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	r, err := s.c.HGet(ctx, s.Key(id), "r").Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return 0, fmt.Errorf("%w: %s", session.ErrSessionNotFound, id.Short())
	case isWrongType(err):
		return 0, fmt.Errorf("%w: %s: %w: key holds another type", session.ErrSessionNotFound, id.Short(), session.ErrCorruptRecord)
	case err != nil:
		return 0, unavailable("revision", err)
	}
	rev, err := strconv.ParseUint(r, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %w: revision field %q", session.ErrSessionNotFound, id.Short(), session.ErrCorruptRecord, r)
	}
	return rev, nil
}

// Update replaces the record of rec.ID if its stored revision is
// rec.Rev-1, in one script: compare, write, set the expiry. A record
// already due is deleted instead of stored.
func (s *Store) Update(ctx context.Context, rec *session.Record) error {
	if rec.Rev == 0 {
		return fmt.Errorf("%w: revision 0 cannot follow a stored one", session.ErrConflict)
	}
	return s.Replace(ctx, rec, rec.Rev-1)
}

// Replace is Update with the expected stored revision given explicitly:
// it writes rec only if the stored record's revision is storedRev, however
// far rec.Rev is ahead. storage/resilient uses it to write back a session
// that advanced several revisions while Redis was unreachable.
func (s *Store) Replace(ctx context.Context, rec *session.Record, storedRev uint64) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	val, err := encodeValue(rec, s.cfg.CompressAbove)
	if err != nil {
		return err
	}
	res, err := updateScript.Run(ctx, s.c, []string{s.Key(rec.ID)},
		val, strconv.FormatUint(rec.Rev, 10), strconv.FormatUint(storedRev, 10), expiryMillis(rec)).Slice()
	switch {
	case isWrongType(err):
		return fmt.Errorf("%w: %s: %w: key holds another type", session.ErrSessionNotFound, rec.ID.Short(), session.ErrCorruptRecord)
	case err != nil:
		return unavailable("update", err)
	case len(res) == 0:
		return unavailable("update", fmt.Errorf("empty script reply"))
	}
	code, _ := res[0].(int64)
	switch code {
	case 0:
		return fmt.Errorf("%w: %s", session.ErrSessionNotFound, rec.ID.Short())
	case -1:
		stored := ""
		if len(res) > 1 {
			stored, _ = res[1].(string)
		}
		return fmt.Errorf("%w: session %s: stored revision %s, update based on %d", session.ErrConflict, rec.ID.Short(), stored, storedRev)
	}
	return nil
}

// Delete removes the record of id.
func (s *Store) Delete(ctx context.Context, id session.ID) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.c.Del(ctx, s.Key(id)).Err(); err != nil {
		return unavailable("delete", err)
	}
	return nil
}

// Expired lists nothing: every key expires at its record's deadline by
// Redis's own expiry (PEXPIREAT, set by the script that writes it), so
// there is nothing to sweep and no index to keep.
func (s *Store) Expired(ctx context.Context, _ time.Time, _ int) ([]session.ID, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return nil, nil
}

// ExpiresRecords reports true: Redis deletes each record at its deadline
// (session.SelfExpiring).
func (s *Store) ExpiresRecords() bool { return true }

// HealthCheck pings the server — under Cluster every master — and writes
// a short-lived probe key, so that a server that answers but refuses
// writes (out of memory, a failed RDB save with stop-writes-on-bgsave-error,
// a read-only replica) is reported as unavailable too.
func (s *Store) HealthCheck(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return c.Ping(ctx).Err() })
		if err != nil {
			return unavailable("ping", err)
		}
	} else if err := s.c.Ping(ctx).Err(); err != nil {
		return unavailable("ping", err)
	}
	if err := s.c.Set(ctx, s.health, time.Now().UnixMilli(), 10*time.Second).Err(); err != nil {
		return unavailable("write probe", err)
	}
	return nil
}

// Close marks the store closed and, with Config.CloseClient, closes the
// client. Writes are never buffered, so there is nothing to flush.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.cfg.CloseClient {
		if err := s.c.Close(); err != nil {
			return fmt.Errorf("redis store: closing client: %w", err)
		}
	}
	return nil
}

var (
	_ session.Store        = (*Store)(nil)
	_ session.Durable      = (*Store)(nil)
	_ session.KeyKeeper    = (*Store)(nil)
	_ session.SelfExpiring = (*Store)(nil)
	_ session.Revisioner   = (*Store)(nil)
)

// Prefix returns the key prefix the store writes under.
func (s *Store) Prefix() string { return s.cfg.Prefix }
