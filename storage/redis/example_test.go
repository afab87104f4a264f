package redis_test

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	rstore "github.com/livefir/statetemplate/storage/redis"
	"github.com/livefir/statetemplate/storage/resilient"
)

// Open a store from a URL, and wrap it so that a Redis outage degrades to
// memory instead of failing. (Compiled, not run: it needs a Redis.)
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := rstore.Open(ctx, "redis://localhost:6379/0", rstore.Config{Prefix: "myapp:"})
	if err != nil {
		fmt.Println("redis:", err) // wraps session.ErrStoreUnavailable
		return
	}
	store := resilient.New(s, resilient.Config{})
	defer store.Close()
	fmt.Println(store.Degraded())
}

// Use a Cluster client: each session key is its own hash tag, so sessions
// spread over every master. A prefix with a hash tag would put them all in
// one slot, and is refused.
func ExampleNew_cluster() {
	c := goredis.NewClusterClient(&goredis.ClusterOptions{
		Addrs:                 []string{"10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"},
		ContextTimeoutEnabled: true,
	})
	defer c.Close()
	_, err := rstore.New(c, rstore.Config{Prefix: "myapp:"})
	fmt.Println(err)
	_, err = rstore.New(c, rstore.Config{Prefix: "{myapp}:"})
	fmt.Println(err != nil)
	// Output:
	// <nil>
	// true
}
