#!/usr/bin/env bash
# Runs statetemplate's Go benchmarks in the form benchstat reads, writes
# them to a file, and optionally compares two such files with benchstat.
#
# Usage:
#   scripts/bench.sh [-n COUNT] [-t BENCHTIME] [-b REGEX] [-o FILE] [-c OLD] [PACKAGES...]
#   scripts/bench.sh compare OLD NEW
#
#   -n COUNT      runs of each benchmark (default 6; benchstat wants >= 6
#                 for a confidence interval)
#   -t BENCHTIME  go test -benchtime (default 1s)
#   -b REGEX      go test -bench (default ".": all)
#   -o FILE       output file (default bench/bench-YYYYmmdd-HHMMSS.txt)
#   -c OLD        after the run, compare OLD with the new file
#   PACKAGES      packages to benchmark (default ./...)
#
# The run is:  go test -run '^$' -bench REGEX -benchmem -count COUNT PACKAGES
# Redis benchmarks need STATETEMPLATE_REDIS_ADDR; when it is unset and
# redis-server is installed, a throwaway server is started on a free
# loopback port for the run. Each file starts with comment lines (ignored
# by benchstat) giving the machine, the commit and /proc/loadavg before and
# after, because figures from a busy machine are not comparable.
#
# benchstat runs from the module proxy at a pinned version, without
# touching go.mod:
#   go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da OLD NEW
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

BENCHSTAT="golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
say() { printf '==> %s\n' "$*" >&2; }

benchstat() { go run "$BENCHSTAT" "$@"; }

if [ "${1:-}" = "compare" ]; then
	[ $# -eq 3 ] || usage
	benchstat "$2" "$3"
	exit
fi

count=6 benchtime=1s regex=. out="" old=""
while getopts "n:t:b:o:c:h" opt; do
	case $opt in
	n) count=$OPTARG ;;
	t) benchtime=$OPTARG ;;
	b) regex=$OPTARG ;;
	o) out=$OPTARG ;;
	c) old=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
[[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: -n wants a positive count" >&2; exit 2; }
[ -z "$old" ] || [ -r "$old" ] || { echo "bench.sh: cannot read $old" >&2; exit 2; }
if [ -z "$out" ]; then
	mkdir -p bench
	out="bench/bench-$(date -u +%Y%m%d-%H%M%S).txt"
fi

# --- a throwaway redis-server, unless one was given --------------------------
if [ -z "${STATETEMPLATE_REDIS_ADDR:-}" ] && command -v redis-server >/dev/null; then
	. scripts/redis.sh
	start_redis
	say "redis-server on $STATETEMPLATE_REDIS_ADDR"
fi

# --- the run -----------------------------------------------------------------
{
	echo "# statetemplate benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# machine $(nproc)-core $(uname -sm), $(go version | cut -d' ' -f3-)"
	echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "# command go test -run '^\$' -bench '$regex' -benchmem -benchtime $benchtime -count $count ${pkgs[*]}"
	echo "# loadavg before $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out"
say "go test -bench '$regex' -count $count ${pkgs[*]} > $out"
status=0
go test -run '^$' -bench "$regex" -benchmem -benchtime "$benchtime" -count "$count" "${pkgs[@]}" | tee -a "$out" || status=$?
echo "# loadavg after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out"
say "wrote $out"
[ "$status" -eq 0 ] || { echo "bench.sh: go test failed (exit $status); partial results in $out" >&2; exit "$status"; }

if [ -n "$old" ]; then
	benchstat "$old" "$out"
fi
