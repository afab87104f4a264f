package redis

import (
	"context"
	"strings"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate/session"
)

// scanBatch is the COUNT hint of each SCAN step.
const scanBatch = 1000

// Count returns the number of session keys, found with SCAN (never KEYS,
// which blocks the server): O(keys in the database) spread over round
// trips of scanBatch. Keys Redis has expired are not counted. Under
// Cluster every master is scanned.
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	// Session keys only: the prefix, then "{", 32 hex digits, "}".
	pattern := globEscape(s.cfg.Prefix) + "{" + strings.Repeat("?", 2*session.IDLen) + "}"
	var n atomic.Int64 // ForEachMaster scans the masters concurrently
	scan := func(ctx context.Context, c goredis.Cmdable) error {
		it := c.Scan(ctx, 0, pattern, scanBatch).Iterator()
		for it.Next(ctx) {
			n.Add(1)
		}
		return it.Err()
	}
	var err error
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, s.c)
	}
	if err != nil {
		return 0, unavailable("scan", err)
	}
	return int(n.Load()), nil
}

// globEscape escapes the glob metacharacters of MATCH patterns.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
