// Package redisbroker is a live.Broker over Redis Pub/Sub: the servers of
// an app, each with an App given live.WithBroker(redisbroker.New(client,
// cfg)), reach each other's browser tabs with Publish and PushTo. It takes
// any go-redis UniversalClient: a single server, Sentinel, or a Cluster,
// where it uses sharded Pub/Sub (SPUBLISH, Redis 7): the channel lives on
// one shard and keeps its order, where a plain PUBLISH goes to any node and
// is relayed to the others, interleaving one publisher's messages.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	app, err := live.New(renderer, newTab, live.WithBroker(redisbroker.New(client, redisbroker.Config{})))
//
// # Guarantees
//
// Every server subscribes to one channel (Config.Channel) and receives
// every publish; each delivers it to its own subscribed sessions. This is
// Phoenix.PubSub's design: a publish costs one message per server, and
// topics cost Redis nothing.
//
//   - At most once. Redis Pub/Sub keeps nothing: a server that is not
//     connected to Redis when a message is published never gets it, and a
//     publish made while Redis is unreachable is dropped (and logged, with
//     the count once Redis is back). The publishing server's own tabs get
//     its publishes whatever Redis does.
//   - Ordered per publisher. The publishes of one App reach every other
//     server in the order Publish was called: live sends them from one
//     goroutine, and Redis delivers a channel's messages in the order it
//     received them. Publishes of different servers interleave in any
//     order.
//   - Latest state wins. A tab that falls behind skips to the latest
//     payload of each topic (see live.Publish), so payloads should be
//     states.
//
// # After a Redis outage
//
// go-redis pings the subscription every few seconds and, once Redis
// answers again, reconnects and subscribes anew. A tab keeps what its page
// showed during the outage — the publishes made on other servers
// meanwhile are lost — and moves on with the next publish it receives:
// with state payloads, the first publish after the outage brings it up to
// date. Config.OnReconnect runs after each resubscription, for an app to
// republish its current state at once rather than at its next change; the
// reconnection is logged at warning level.
//
// Anyone who can PUBLISH on the channel can push payloads into sessions:
// give the channel the protection the session store has (the same Redis,
// ACLs).
package redisbroker
