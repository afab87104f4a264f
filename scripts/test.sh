#!/usr/bin/env bash
# Runs every test of statetemplate: formatting, vet, and the whole suite
# under the race detector, including the Redis, Redis Cluster and browser
# integration tests. It installs what those need when it is missing
# (Debian's redis-server, redis-tools and chromium, via apt-get: run as
# root or with sudo) and starts a throwaway redis-server and a throwaway
# three-master Redis Cluster on free loopback ports, stopped on exit.
#
# Usage: ./scripts/test.sh [extra go test flags]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"

say() { printf '==> %s\n' "$*" >&2; }

# --- dependencies -----------------------------------------------------------
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
chrome="${STATETEMPLATE_CHROME:-$(command -v chromium || command -v chromium-browser || true)}"
[ -n "$chrome" ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	say "installing ${missing[*]} with apt-get"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	chrome="${STATETEMPLATE_CHROME:-$(command -v chromium || command -v chromium-browser || true)}"
fi
export STATETEMPLATE_CHROME="$chrome"

# --- a throwaway redis-server and Redis Cluster -------------------------------
. scripts/redis.sh
start_redis
start_redis_cluster
say "redis-server on $STATETEMPLATE_REDIS_ADDR, Redis Cluster on $STATETEMPLATE_REDIS_CLUSTER, chromium at $STATETEMPLATE_CHROME"

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
