#!/usr/bin/env bash
# Where a hit's instructions go: foilcache under callgrind (one io thread), in front of the
# anchors' static origin and a private redis-server, answering COUNT hits of the 25 KiB
# library page on one keep-alive connection. Counts instructions, not time, so the figure
# repeats whatever else the machine is doing; it does not see the kernel (syscalls).
# Prints instructions per hit and the functions that cost the most (self cost), and leaves
# the profile for callgrind_annotate. Loopback only; everything is stopped on exit.
#
#   bench/profile-hit.sh [BUILD]      env: L1 (false: the Redis path; true: the L1), COUNT (1000),
#                                     OUT (where the profile is kept; default a new /tmp dir)
#   e.g. L1=false bench/profile-hit.sh build
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(cd "${1:-build}" && pwd)
L1=${L1:-false}
COUNT=${COUNT:-1000}
ANCHORS=${ANCHORS:-$PWD/../shared/bench/anchors.sh}
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
. bench/lib.sh
bench_setup profile
start_anchors_origin "$ANCHORS"
start_redis
P_PROXY=$(free_port)
FOILCACHE_LISTEN=127.0.0.1:$P_PROXY UPSTREAM_URL=http://127.0.0.1:$P_ORIGIN REDIS_URL=redis://127.0.0.1:$P_REDIS \
  FOILCACHE_L1=$L1 FOILCACHE_THREADS=1 \
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.%p" "$BUILD/foilcache" \
  --config bench/foilcache-bench.yaml >"$WORK/foilcache.log" 2>&1 &
PROXY_PID=$!
PIDS+=($PROXY_PID)
wait_http "http://127.0.0.1:$P_PROXY/healthz" "$WORK/foilcache.log"
URL="http://127.0.0.1:$P_PROXY/api/library/paged?page=1"
for _ in $(seq 150); do
  curl -s -o /dev/null -D - "$URL" | grep -q '^X-Cache: HIT' && break
  sleep 0.1
done
# Warm the connection path, then count COUNT hits alone.
urls() { for _ in $(seq "$1"); do printf -- '-o /dev/null %s ' "$URL"; done; }
# shellcheck disable=SC2046
curl -s $(urls 100)
callgrind_control -z "$PROXY_PID" >/dev/null 2>&1
# shellcheck disable=SC2046
curl -s -w '%{http_code}\n' $(urls "$COUNT") | sort | uniq -c >"$WORK/statuses.txt"
callgrind_control -d "$PROXY_PID" >/dev/null 2>&1
grep -q " 200$" "$WORK/statuses.txt" || { cat "$WORK/statuses.txt" >&2; exit 1; }
PROFILE=$(ls "$WORK"/callgrind.*.1 | head -1)
TOTAL=$(callgrind_annotate "$PROFILE" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
OUT=${OUT:-$(mktemp -d /tmp/foilcache-profile-out.XXXXXX)}
mkdir -p "$OUT"
cp "$PROFILE" "$OUT/callgrind.hit.l1-$L1"
echo "profile: $OUT/callgrind.hit.l1-$L1 (callgrind_annotate --tree=caller FILE)"
echo "l1=$L1: $((TOTAL / COUNT)) instructions per hit ($COUNT hits, $(tr -s ' ' <"$WORK/statuses.txt"))"
callgrind_annotate --threshold=100 "$PROFILE" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | grep -v -E 'PROGRAM TOTALS|clone\.S|start_thread|io_context::run|_M_run|libstdc\+\+.so.6.0.30\]$' | sed -n 1,15p | cut -c1-150 || true
