#!/usr/bin/env bash
# Tag invalidation over 1,000,000 entries: starts a private redis-server, the upstream stub
# and foilcache (bench/foilcache-invalidation.yaml), then runs tag_invalidation_bench, which
# seeds the entries straight into Redis and prints the report (see bench/tag_invalidation.cpp).
# Loopback only; everything started here is stopped on exit.
#
#   bench/run-invalidation.sh [BUILD_DIR]      env: ENTRIES (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ENTRIES=${ENTRIES:-1000000}
BENCH=$BUILD/bench/tag_invalidation_bench
for bin in "$BUILD/foilcache" "$BUILD/upstream-stub" "$BENCH"; do
  [ -x "$bin" ] || { echo "build first: cmake --build $BUILD --target foilcache upstream-stub tag_invalidation_bench" >&2; exit 1; }
done
. bench/lib.sh
bench_setup invalidation

P_REDIS=$(free_port); P_STUB=$(free_port); P_PROXY=$(free_port)
TOKEN=bench-admin-$RANDOM$RANDOM

redis-server --bind 127.0.0.1 --port "$P_REDIS" --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
# The stub does not know /bench: every miss is a 404, which the route does not store.
"$BUILD/upstream-stub" --listen "127.0.0.1:$P_STUB" --latency-scale 0 >"$WORK/stub.log" 2>&1 &
PIDS+=($!)
wait_redis "$P_REDIS"
wait_http "http://127.0.0.1:$P_STUB/api/system/info" "$WORK/stub.log"

export FOILCACHE_LISTEN=127.0.0.1:$P_PROXY UPSTREAM_URL=http://127.0.0.1:$P_STUB \
  REDIS_URL=redis://127.0.0.1:$P_REDIS FOILCACHE_ADMIN_TOKEN=$TOKEN
"$BUILD/foilcache" --check-config bench/foilcache-invalidation.yaml >/dev/null
"$BUILD/foilcache" --config bench/foilcache-invalidation.yaml >"$WORK/foilcache.log" 2>&1 &
PIDS+=($!)
# /healthz answers before the Redis connections are up: wait until every io thread's is.
for i in $(seq 150); do
  curl -s "http://127.0.0.1:$P_PROXY/healthz" | grep -q '"store":"enabled"' && break
  [ "$i" = 150 ] && { echo "foilcache never reached Redis; log:" >&2; cat "$WORK/foilcache.log" >&2; exit 1; }
  sleep 0.1
done

# What was measured: the binary's build time and the tree it was (probably) built from.
TREE="not a git checkout"
if HEAD=$(git rev-parse --short HEAD 2>/dev/null); then TREE="HEAD $HEAD, $(git status --porcelain | wc -l) paths dirty"; fi
echo "redis-server $(redis-server --version | awk '{print $3}'), foilcache built $(date -u -r "$BUILD/foilcache" +%Y-%m-%dT%H:%M:%SZ)" \
  "($TREE), run $(date -u +%Y-%m-%dT%H:%M:%SZ), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"$BENCH" "$P_REDIS" "$P_PROXY" "$TOKEN" "$ENTRIES" || status=$?
if [ -s "$WORK/foilcache.log" ]; then echo "-- foilcache log (tail) --"; tail -n 20 "$WORK/foilcache.log"; fi
exit $status
