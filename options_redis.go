package statetemplate

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate/session"
	rstore "github.com/livefir/statetemplate/storage/redis"
	"github.com/livefir/statetemplate/storage/resilient"
)

// redisConnectTimeout bounds New's first contact with Redis.
const redisConnectTimeout = 5 * time.Second

// RedisOption configures WithRedisStore and WithRedisClient.
type RedisOption func(*redisConfig)

type redisConfig struct {
	store      rstore.Config
	noFallback bool
	fallback   resilient.Config
}

// RedisKeyPrefix sets the prefix of every key the store writes (default
// "statetemplate:"). Renderers sharing sessions must use the same one;
// apps sharing a Redis, different ones. It may not contain a hash tag
// ("{" or "}"): each session key carries its own, so that a Redis Cluster
// spreads sessions over its masters; New fails with ErrInvalidOption.
func RedisKeyPrefix(p string) RedisOption {
	return func(rc *redisConfig) { rc.store.Prefix = p }
}

// RedisCompressAbove stores records larger than n bytes DEFLATE-compressed
// (default 8 KiB; negative disables compression).
func RedisCompressAbove(n int) RedisOption {
	return func(rc *redisConfig) { rc.store.CompressAbove = n }
}

// RedisFallback tunes the in-memory fallback that serves while Redis is
// unreachable (see package storage/resilient).
func RedisFallback(cfg resilient.Config) RedisOption {
	return func(rc *redisConfig) { rc.fallback, rc.noFallback = cfg, false }
}

// RedisWithoutFallback makes calls fail with ErrStoreUnavailable while
// Redis is unreachable, instead of degrading to the in-memory fallback.
func RedisWithoutFallback() RedisOption {
	return func(rc *redisConfig) { rc.noFallback = true }
}

// WithRedisStore keeps sessions in the Redis at url, so that every server
// of an app shares them: a session created on one renders on another, and
// an update or invalidation on one is what the next read on any other
// sees. The URL picks the deployment (go-redis's URL forms; rediss:// for
// TLS, unix:// for a socket):
//
//	redis://user:pass@host:6379/0?dial_timeout=1s   a single server, or a Cluster node (detected)
//	redis://h1:7000?addr=h2:7000&addr=h3:7000       a Redis Cluster
//	redis://s1:26379?master_name=m&addr=s2:26379    Sentinel: its sentinels and the master's name
//
// Concurrent updates of one session from two servers are compare-and-set:
// one wins, the other gets ErrConflict with the winner's state loaded,
// resynchronises the page and may retry (see package storage/redis for
// what is guaranteed, and how durable a Redis is).
//
// New connects and fails with ErrStoreUnavailable when Redis does not
// answer within 5s. Later, while Redis is unreachable, the renderer
// serves from an in-process fallback and Health reports "degraded";
// the sessions changed meanwhile are written back when Redis returns
// (see package storage/resilient for exactly what is and is not
// guaranteed). RedisWithoutFallback turns that off.
//
// Session data is restored from bytes, so pass a sample of each data type
// to WithDataTypes. Without WithSecurity the token signing key is
// generated once and kept in Redis, shared by every server; each server
// reads it once, in New. Should Redis lose its data, servers started
// afterwards generate a new key that running servers do not know, so
// production deployments should pass WithSecurity.
//
// go-redis reports connection failures through its own logger (see its
// SetLogger), not through WithLogger.
func WithRedisStore(url string, opts ...RedisOption) Option {
	return func(c *config) error {
		if err := rstore.CheckURL(url); err != nil {
			return fmt.Errorf("%w: WithRedisStore: %v", errInvalidOption, err)
		}
		rc := redisOptions(opts)
		if err := rstore.CheckPrefix(rc.store.Prefix); err != nil {
			return fmt.Errorf("%w: WithRedisStore: %v", errInvalidOption, err)
		}
		c.store = nil
		c.openStore = func(c *config) (session.Store, error) {
			ctx, cancel := context.WithTimeout(context.Background(), redisConnectTimeout)
			defer cancel()
			s, err := rstore.Open(ctx, url, rc.store)
			if err != nil {
				return nil, fmt.Errorf("statetemplate: WithRedisStore: %w", err)
			}
			return rc.wrap(c, s), nil
		}
		return nil
	}
}

// WithRedisClient is WithRedisStore for a client the app built itself:
// a single-node, Sentinel or Cluster client. The app keeps ownership:
// Renderer.Close does not close it. Set ContextTimeoutEnabled on it, or
// a call on a dead server lasts up to its ReadTimeout.
func WithRedisClient(client goredis.UniversalClient, opts ...RedisOption) Option {
	return func(c *config) error {
		if client == nil {
			return fmt.Errorf("%w: WithRedisClient(nil)", errInvalidOption)
		}
		rc := redisOptions(opts)
		c.store = nil
		c.openStore = func(c *config) (session.Store, error) {
			s, err := rstore.New(client, rc.store)
			if err != nil {
				return nil, fmt.Errorf("%w: WithRedisClient: %v", errInvalidOption, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), redisConnectTimeout)
			defer cancel()
			if err := s.HealthCheck(ctx); err != nil {
				return nil, fmt.Errorf("statetemplate: WithRedisClient: %w", err)
			}
			return rc.wrap(c, s), nil
		}
		return nil
	}
}

func redisOptions(opts []RedisOption) *redisConfig {
	rc := &redisConfig{}
	for _, o := range opts {
		o(rc)
	}
	return rc
}

func (rc *redisConfig) wrap(c *config, s *rstore.Store) session.Store {
	// No read-through cache: another server may have changed the session,
	// and a cached copy would render stale data.
	c.cache = nil
	if rc.noFallback {
		return s
	}
	cfg := rc.fallback
	if cfg.Logger == nil {
		cfg.Logger = c.logger
	}
	return resilient.New(s, cfg)
}
