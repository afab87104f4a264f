package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate/session"
)

// minKeyLen is the shortest signing key LoadOrCreateKey accepts from Redis.
const minKeyLen = 32

// LoadOrCreateKey returns the token signing key kept under the prefix, or
// stores newKey() there (SET NX, no expiry) when there is none. Servers
// racing to create it all end up with the first one stored. Anyone who can
// read the Redis database can read this key and so forge tokens: protect
// Redis as you would the key.
func (s *Store) LoadOrCreateKey(ctx context.Context, newKey func() []byte) ([]byte, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	key, err := s.c.Get(ctx, s.keyKey).Bytes()
	if errors.Is(err, goredis.Nil) {
		var get *goredis.StringCmd
		_, err = s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.SetNX(ctx, s.keyKey, newKey(), 0)
			get = p.Get(ctx, s.keyKey)
			return nil
		})
		if err == nil {
			key, err = get.Bytes()
		}
	}
	if err != nil {
		return nil, unavailable("signing key", err)
	}
	if len(key) < minKeyLen {
		return nil, fmt.Errorf("%w: signing key under %q is %d bytes, want at least %d", session.ErrCorruptRecord, s.keyKey, len(key), minKeyLen)
	}
	return key, nil
}
