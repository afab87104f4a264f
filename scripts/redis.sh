# Sourced by test.sh and bench.sh: start_redis starts a throwaway
# redis-server (persistence off) on a free loopback port, exports
# STATETEMPLATE_REDIS_ADDR, and stops it and removes its directory when the
# calling script exits.

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_redis() {
	local port=$((20000 + RANDOM % 20000))
	until port_free "$port"; do port=$((port + 1)); done
	redis_dir=$(mktemp -d)
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--dir "$redis_dir" --logfile "$redis_dir/redis.log" &
	redis_pid=$!
	trap stop_redis EXIT
	for _ in $(seq 1 100); do
		port_free "$port" || break
		sleep 0.05
	done
	export STATETEMPLATE_REDIS_ADDR="127.0.0.1:$port"
}

stop_redis() {
	kill "$redis_pid" 2>/dev/null || true
	wait "$redis_pid" 2>/dev/null || true
	rm -rf "$redis_dir"
}
