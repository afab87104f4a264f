package redis

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livefir/statetemplate/session"
)

// CheckURL reports whether Open can parse url (see Open for the forms),
// without connecting.
func CheckURL(url string) error {
	_, _, err := parseURL(url)
	return err
}

// parseURL returns a constructor of the client url asks for, and whether
// that client is a single node that may turn out to run in cluster mode.
func parseURL(raw string) (newClient func() goredis.UniversalClient, single bool, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, false, fmt.Errorf("redis store: %w", err)
	}
	q := u.Query()
	switch {
	case q.Has("master_name"):
		opt, err := goredis.ParseFailoverURL(raw)
		if err != nil {
			return nil, false, fmt.Errorf("redis store: sentinel: %w", err)
		}
		applyTimeouts(&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.MaxRetries, &opt.DialerRetries, &opt.ContextTimeoutEnabled)
		return func() goredis.UniversalClient { return goredis.NewFailoverClient(opt) }, false, nil
	case q.Has("addr"):
		return parseClusterURL(raw)
	}
	opt, err := goredis.ParseURL(raw)
	if err != nil {
		return nil, false, fmt.Errorf("redis store: %w", err)
	}
	ApplyTimeouts(opt)
	return func() goredis.UniversalClient { return goredis.NewClient(opt) }, true, nil
}

func parseClusterURL(raw string) (func() goredis.UniversalClient, bool, error) {
	opt, err := goredis.ParseClusterURL(raw)
	if err != nil {
		return nil, false, fmt.Errorf("redis store: cluster: %w", err)
	}
	applyTimeouts(&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.MaxRetries, &opt.DialerRetries, &opt.ContextTimeoutEnabled)
	return func() goredis.UniversalClient { return goredis.NewClusterClient(opt) }, false, nil
}

// dial returns a connected client for url (see Open): a Sentinel client
// when the URL names a master, a Cluster client when it lists several
// nodes or its one node runs in cluster mode, else a single-node client.
func dial(ctx context.Context, raw string) (goredis.UniversalClient, error) {
	newClient, single, err := parseURL(raw)
	if err != nil {
		return nil, err
	}
	c := newClient()
	if single {
		info, err := c.Info(ctx, "cluster").Result()
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("%w: redis at %s: %w", session.ErrStoreUnavailable, redactedHost(raw), err)
		}
		if !strings.Contains(info, "cluster_enabled:1") {
			return c, nil
		}
		_ = c.Close()
		if newClient, _, err = parseClusterURL(raw); err != nil {
			return nil, err
		}
		c = newClient()
	}
	if err := ping(ctx, c); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%w: redis at %s: %w", session.ErrStoreUnavailable, redactedHost(raw), err)
	}
	return c, nil
}

// ping pings c — every node of a Cluster client.
func ping(ctx context.Context, c goredis.UniversalClient) error {
	if cc, ok := c.(*goredis.ClusterClient); ok {
		return cc.ForEachShard(ctx, func(ctx context.Context, n *goredis.Client) error { return n.Ping(ctx).Err() })
	}
	return c.Ping(ctx).Err()
}

// redactedHost is the host part of url, never its password.
func redactedHost(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return "the given URL"
}
