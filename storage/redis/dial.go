package redis

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate/session"
)

// dial returns a connected client for url (see Open): a Sentinel client
// when the URL names a master, a Cluster client when it lists several
// nodes or its one node runs in cluster mode, else a single-node client.
func dial(ctx context.Context, rawURL string) (goredis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis store: %w", err)
	}
	q := u.Query()
	var c goredis.UniversalClient
	switch {
	case q.Has("master_name"):
		opt, err := goredis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis store: %w", err)
		}
		applyTimeouts(&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.MaxRetries, &opt.DialerRetries)
		opt.ContextTimeoutEnabled = true
		c = goredis.NewFailoverClient(opt)
	case q.Has("addr"):
		return dialCluster(ctx, rawURL)
	default:
		opt, err := goredis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis store: %w", err)
		}
		ApplyTimeouts(opt)
		single := goredis.NewClient(opt)
		info, err := single.Info(ctx, "cluster").Result()
		if err != nil {
			_ = single.Close()
			return nil, fmt.Errorf("%w: redis at %s: %w", session.ErrStoreUnavailable, opt.Addr, err)
		}
		if !strings.Contains(info, "cluster_enabled:1") {
			return single, nil
		}
		_ = single.Close()
		return dialCluster(ctx, rawURL)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%w: redis at %s: %w", session.ErrStoreUnavailable, u.Host, err)
	}
	return c, nil
}

// dialCluster returns a connected Cluster client seeded with the nodes of
// url.
func dialCluster(ctx context.Context, rawURL string) (goredis.UniversalClient, error) {
	opt, err := goredis.ParseClusterURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis store: cluster: %w", err)
	}
	applyTimeouts(&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.MaxRetries, &opt.DialerRetries)
	opt.ContextTimeoutEnabled = true
	c := goredis.NewClusterClient(opt)
	if err := c.ForEachShard(ctx, func(ctx context.Context, n *goredis.Client) error { return n.Ping(ctx).Err() }); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%w: redis cluster at %s: %w", session.ErrStoreUnavailable, strings.Join(opt.Addrs, ","), err)
	}
	return c, nil
}
