# Sourced by test.sh and bench.sh.
#
# start_redis starts a throwaway redis-server (persistence off) on a free
# loopback port and exports STATETEMPLATE_REDIS_ADDR.
#
# start_redis_cluster starts a throwaway three-master Redis Cluster (no
# replicas) on free loopback ports — redis-server --cluster-enabled yes,
# then redis-cli --cluster create — and exports STATETEMPLATE_REDIS_CLUSTER
# as its comma-separated node addresses. Its masters keep an append-only
# file written before each reply (appendfsync always).
#
# Whatever they started is stopped, and its directories removed, when the
# calling script exits.

redis_pids=()
redis_dirs=()
trap stop_redis EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints a free loopback port; with an argument N, one whose
# port+N is free too (a cluster node's bus port is port+10000).
free_port() {
	local port=$((20000 + RANDOM % 20000))
	until port_free "$port" && { [ -z "${1:-}" ] || port_free $((port + $1)); }; do port=$((port + 1)); done
	echo "$port"
}

# launch_redis PORT DIR ARGS... starts redis-server and waits (up to 30 s,
# for a loaded machine) for its port. When it exits first (a port taken in
# the meantime, say), its log is printed and launch_redis fails.
launch_redis() {
	local port=$1 dir=$2 pid
	shift 2
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--dir "$dir" --logfile "$dir/redis.log" "$@" &
	pid=$!
	redis_pids+=("$pid")
	redis_dirs+=("$dir")
	for _ in $(seq 1 600); do
		port_free "$port" || return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "redis-server on port $port exited:" >&2
			cat "$dir/redis.log" >&2 2>/dev/null || true
			return 1
		fi
		sleep 0.05
	done
	echo "redis-server on port $port did not start within 30 s:" >&2
	cat "$dir/redis.log" >&2 2>/dev/null || true
	return 1
}

start_redis() {
	local port dir
	for _ in 1 2 3; do
		port=$(free_port)
		dir=$(mktemp -d)
		if launch_redis "$port" "$dir"; then
			export STATETEMPLATE_REDIS_ADDR="127.0.0.1:$port"
			return 0
		fi
	done
	return 1
}

start_redis_cluster() {
	local addrs=() port dir
	for _ in 1 2 3; do
		port=$(free_port 10000)
		dir=$(mktemp -d)
		launch_redis "$port" "$dir" --cluster-enabled yes --cluster-config-file nodes.conf \
			--cluster-node-timeout 2000 --cluster-require-full-coverage no \
			--appendonly yes --appendfsync always
		addrs+=("127.0.0.1:$port")
	done
	redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 ||
		{ cat "$dir/create.log" >&2; return 1; }
	local ok=0
	for _ in $(seq 1 600); do
		ok=1
		for a in "${addrs[@]}"; do
			redis-cli -h "${a%:*}" -p "${a#*:}" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || ok=0
		done
		[ "$ok" = 1 ] && break
		sleep 0.05
	done
	[ "$ok" = 1 ] || { echo "the Redis Cluster on ${addrs[*]} did not reach cluster_state:ok within 30 s" >&2; return 1; }
	STATETEMPLATE_REDIS_CLUSTER=$(IFS=,; echo "${addrs[*]}")
	export STATETEMPLATE_REDIS_CLUSTER
}

stop_redis() {
	local pid dir
	for pid in "${redis_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${redis_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	for dir in "${redis_dirs[@]}"; do rm -rf "$dir"; done
}
