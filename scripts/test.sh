#!/usr/bin/env bash
# Runs every test of statetemplate: formatting, vet, and the whole suite
# under the race detector, including the Redis and browser integration
# tests. It installs what those need when it is missing (Debian's
# redis-server and chromium, via apt-get: run as root or with sudo) and
# starts a throwaway redis-server on a free loopback port, stopped on exit.
#
# Usage: ./scripts/test.sh [extra go test flags]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"

say() { printf '==> %s\n' "$*" >&2; }

# --- dependencies -----------------------------------------------------------
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
chrome="${STATETEMPLATE_CHROME:-$(command -v chromium || command -v chromium-browser || true)}"
[ -n "$chrome" ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	say "installing ${missing[*]} with apt-get"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	chrome="${STATETEMPLATE_CHROME:-$(command -v chromium || command -v chromium-browser || true)}"
fi
export STATETEMPLATE_CHROME="$chrome"

# --- a throwaway redis-server -----------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$((20000 + RANDOM % 20000))
until port_free "$port"; do port=$((port + 1)); done
redis_dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
	--dir "$redis_dir" --logfile "$redis_dir/redis.log" &
redis_pid=$!
cleanup() {
	kill "$redis_pid" 2>/dev/null || true
	wait "$redis_pid" 2>/dev/null || true
	rm -rf "$redis_dir"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.05
done
export STATETEMPLATE_REDIS_ADDR="127.0.0.1:$port"
say "redis-server on $STATETEMPLATE_REDIS_ADDR, chromium at $STATETEMPLATE_CHROME"

# --- checks -----------------------------------------------------------------
say "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt: not formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi
say "go vet ./..."
go vet ./...
say "go test -race ./..."
go test -race -count=1 -timeout 15m "$@" ./...
