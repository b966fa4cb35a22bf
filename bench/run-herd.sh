#!/usr/bin/env bash
# The thundering herd after a tag invalidation, coalescing on versus off: starts a private
# redis-server, the upstream stub (default latencies: library pages 50-150 ms) and foilcache
# (bench/foilcache-herd.yaml) twice in turn, (a) coalescing on (coalesce_wait 5s, the
# default) and (b) off (coalesce_wait 0), and runs HERD_BIN against each: ROUNDS rounds of
# CLIENTS clients on PAGES pages, each right after POST /api/cache/invalidate/library.
# Prints both reports (see bench/herd.cpp). Loopback only; everything started here is
# stopped on exit.
#
#   bench/run-herd.sh BUILD_DIR HERD_BIN      env: CLIENTS (200), PAGES (20), ROUNDS (5),
#                                             HERD_REDIS_TIMEOUT (redis.timeout, default 50ms)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: bench/run-herd.sh BUILD_DIR HERD_BIN}
HERD=${2:?usage: bench/run-herd.sh BUILD_DIR HERD_BIN}
CLIENTS=${CLIENTS:-200}
PAGES=${PAGES:-20}
ROUNDS=${ROUNDS:-5}
for bin in "$BUILD/foilcache" "$BUILD/upstream-stub" "$HERD"; do
  [ -x "$bin" ] || { echo "missing $bin (build foilcache, upstream-stub, herd_bench)" >&2; exit 1; }
done
. bench/lib.sh
bench_setup herd

P_REDIS=$(free_port); P_STUB=$(free_port)
TOKEN=herd-admin-$RANDOM$RANDOM

redis-server --bind 127.0.0.1 --port "$P_REDIS" --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
"$BUILD/upstream-stub" --listen "127.0.0.1:$P_STUB" >"$WORK/stub.log" 2>&1 &
PIDS+=($!)
wait_redis "$P_REDIS"
wait_http "http://127.0.0.1:$P_STUB/api/system/info" "$WORK/stub.log"

echo "redis.timeout ${HERD_REDIS_TIMEOUT:-50ms}; redis-server $(redis-server --version | awk '{print $3}'), foilcache $(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
  "(dirty tree: $(git status --porcelain 2>/dev/null | wc -l) paths), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"

# One foilcache run: $1 label, $2 coalesce_wait. A fresh foilcache each time (same Redis
# and stub; FLUSHALL first, so no entry or lock of the other run is left).
status=0
run_mode() {
  local label=$1 wait=$2 port log pid rc=0
  port=$(free_port)
  log="$WORK/foilcache-$wait.log"
  redis-cli -p "$P_REDIS" flushall >/dev/null
  export FOILCACHE_LISTEN=127.0.0.1:$port UPSTREAM_URL=http://127.0.0.1:$P_STUB \
    REDIS_URL=redis://127.0.0.1:$P_REDIS FOILCACHE_ADMIN_TOKEN=$TOKEN HERD_COALESCE_WAIT=$wait
  "$BUILD/foilcache" --check-config bench/foilcache-herd.yaml >/dev/null
  "$BUILD/foilcache" --config bench/foilcache-herd.yaml >"$log" 2>&1 &
  pid=$!
  PIDS+=($pid)
  # /healthz answers before the Redis connections are up: wait until every io thread's is.
  for i in $(seq 150); do
    curl -s "http://127.0.0.1:$port/healthz" | grep -q '"store":"enabled"' && break
    [ "$i" = 150 ] && { echo "foilcache never reached Redis; log:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo
  echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$HERD" --proxy "127.0.0.1:$port" --upstream "127.0.0.1:$P_STUB" --token "$TOKEN" \
    --clients "$CLIENTS" --pages "$PAGES" --rounds "$ROUNDS" --label "$label" || rc=$?
  [ "$rc" = 0 ] || { echo "herd_bench exited $rc"; status=$rc; }
  # foilcache's own view of the run: Redis commands that failed (each a BYPASS to the app)
  # and requests answered from another request's fetch.
  echo "foilcache metrics: $(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" |
    grep -E '^foilcache_(errors_total\{kind="store_unavailable"\}|coalesced_requests_total)' | tr '\n' ' ')"
  if [ -s "$log" ]; then echo "-- foilcache log (warn and above) --"; tail -n 20 "$log"; fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

run_mode "coalescing on (timeouts.coalesce_wait 5s, the default)" 5s
run_mode "coalescing off (timeouts.coalesce_wait 0)" 0
exit $status
