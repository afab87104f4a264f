package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate/session"
)

// Defaults of Config.
const (
	DefaultPrefix         = "{statetemplate}:"
	DefaultCompressAbove  = 8 << 10
	DefaultMaxRecordBytes = 64 << 20
)

// Config tunes a Store. The zero value gives the defaults.
type Config struct {
	// Prefix starts every key the store writes. Default DefaultPrefix.
	// Under Redis Cluster it must contain a hash tag ("{...}"), so that a
	// session's key and the deadline index share a slot and can be
	// written in one script; all sessions then live in that slot.
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
	c        goredis.UniversalClient
	cfg      Config
	index    string // sorted set: member = session ID (hex), score = deadline in µs
	keyKey   string // the token signing key (KeyKeeper)
	sessions string // prefix of session keys
	closed   atomic.Bool
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
	if _, cluster := c.(*goredis.ClusterClient); cluster && !hasHashTag(cfg.Prefix) {
		return nil, fmt.Errorf("redis store: prefix %q has no hash tag, which Redis Cluster needs (such as %q)", cfg.Prefix, DefaultPrefix)
	}
	return &Store{
		c:        c,
		cfg:      cfg,
		index:    cfg.Prefix + "deadlines",
		keyKey:   cfg.Prefix + "signing-key",
		sessions: cfg.Prefix + "s:",
	}, nil
}

// Open connects to the Redis server at url (redis://, rediss:// or
// unix://, see go-redis's ParseURL), pings it within ctx and returns a
// store that closes the client on Close. Timeouts the URL does not set
// default to 2s for dialing, reading and writing, and ctx deadlines bound
// every call (ContextTimeoutEnabled).
func Open(ctx context.Context, url string, cfg Config) (*Store, error) {
	opt, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis store: %w", err)
	}
	ApplyTimeouts(opt)
	c := goredis.NewClient(opt)
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%w: redis at %s: %w", session.ErrStoreUnavailable, opt.Addr, err)
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
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 2 * time.Second
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = 2 * time.Second
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = 2 * time.Second
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = 1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 2
	}
	opt.ContextTimeoutEnabled = true
}

// Client returns the client the store writes through.
func (s *Store) Client() goredis.UniversalClient { return s.c }

// Durable reports true: records outlive the process (as far as the Redis
// server's own persistence settings keep them).
func (s *Store) Durable() bool { return true }

func (s *Store) key(id session.ID) string { return s.sessions + id.String() }

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

// expiryArgs returns the PEXPIREAT time in ms, rounded up so that Redis
// never drops a key before its deadline, and the index score in µs,
// rounded down so that Expired never misses a due record.
func expiryArgs(rec *session.Record) (ms int64, score int64) {
	d := rec.Deadline()
	ns := d.UnixNano()
	if d.Year() > 2200 || d.Year() < 1900 { // out of UnixNano's range
		ms = d.UnixMilli()
		return ms, min(d.UnixMicro(), maxScore)
	}
	ms = ns / 1e6
	if ns%1e6 > 0 {
		ms++
	}
	return ms, min(ns/1e3, maxScore)
}

// maxScore keeps scores exact in a double (2^53): about year 2255 in µs.
const maxScore = 1 << 53

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
	ms, score := expiryArgs(rec)
	n, err := createScript.Run(ctx, s.c, []string{s.key(rec.ID), s.index},
		val, strconv.FormatUint(rec.Rev, 10), ms, rec.ID.String(), score).Int()
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

// Get returns the record of id. Its Value is nil: the caller decodes Data.
func (s *Store) Get(ctx context.Context, id session.ID) (*session.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	b, err := s.c.HGet(ctx, s.key(id), "v").Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		return nil, fmt.Errorf("%w: %s", session.ErrSessionNotFound, id.Short())
	case isWrongType(err):
		return nil, fmt.Errorf("%w: %s: %w: key holds another type", session.ErrSessionNotFound, id.Short(), session.ErrCorruptRecord)
	case err != nil:
		return nil, unavailable("get", err)
	}
	rec, err := decodeValue(b, s.cfg.MaxRecordBytes)
	if err == nil && rec.ID != id {
		err = fmt.Errorf("%w: record of session %s stored under %s", session.ErrCorruptRecord, rec.ID.Short(), id.Short())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", session.ErrSessionNotFound, id.Short(), err)
	}
	return rec, nil
}

// Update replaces the record of rec.ID if its stored revision is
// rec.Rev-1, in one script: compare, write, set the expiry, move the index
// entry. A record already due is deleted instead of stored.
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
	ms, score := expiryArgs(rec)
	res, err := updateScript.Run(ctx, s.c, []string{s.key(rec.ID), s.index},
		val, strconv.FormatUint(rec.Rev, 10), strconv.FormatUint(storedRev, 10),
		ms, rec.ID.String(), score).Slice()
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

// Delete removes the record of id and its index entry, in one round trip.
func (s *Store) Delete(ctx context.Context, id session.ID) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	_, err := s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.Del(ctx, s.key(id))
		p.ZRem(ctx, s.index, id.String())
		return nil
	})
	if err != nil {
		return unavailable("delete", err)
	}
	return nil
}

// Expired returns up to limit IDs whose deadline is not after before,
// earliest first, from the deadline index: O(log n + limit), no scan.
// Deadlines are compared at microsecond resolution, rounded so that a due
// record is never missed; a record due within the same microsecond as
// before may be listed, which callers recheck anyway. Records Redis has
// already expired stay listed until deleted.
func (s *Store) Expired(ctx context.Context, before time.Time, limit int) ([]session.ID, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	max := before.UnixMicro()
	if before.Year() > 2200 {
		max = math.MaxInt64
	}
	members, err := s.c.ZRangeByScore(ctx, s.index, &goredis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(min(max, maxScore), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, unavailable("expired", err)
	}
	ids := make([]session.ID, 0, len(members))
	for _, m := range members {
		id, err := session.ParseID(m)
		if err != nil {
			continue // not written by this store; Delete cannot name it either
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// HealthCheck pings the server.
func (s *Store) HealthCheck(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.c.Ping(ctx).Err(); err != nil {
		return unavailable("ping", err)
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

func hasHashTag(p string) bool {
	i := strings.IndexByte(p, '{')
	if i < 0 {
		return false
	}
	j := strings.IndexByte(p[i+1:], '}')
	return j > 0
}

var (
	_ session.Store     = (*Store)(nil)
	_ session.Durable   = (*Store)(nil)
	_ session.KeyKeeper = (*Store)(nil)
)

// Prefix returns the key prefix the store writes under.
func (s *Store) Prefix() string { return s.cfg.Prefix }
