// Package redistest gives tests a real redis-server: the one named by the
// environment (STATETEMPLATE_REDIS_ADDR), or a throwaway instance it starts
// itself from the redis-server binary on PATH, on a free loopback port with
// persistence off. With CI=true a missing Redis fails the test; otherwise
// the test is skipped with a message saying how to run it.
//
// ClusterAddrs and ClusterClient give tests a three-master Redis Cluster
// the same way (STATETEMPLATE_REDIS_CLUSTER, or one started with
// redis-server --cluster-enabled yes and redis-cli --cluster create), and
// StartCluster one of a test's own, whose masters it can kill and restart.
//
// Tests sharing one server stay apart by key prefix (Prefix), never by
// flushing: other packages' tests may be using the same server.
package redistest
