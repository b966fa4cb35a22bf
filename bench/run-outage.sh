#!/usr/bin/env bash
# Request latency while Redis is paused (SIGSTOP): foilcache must add at most ~5 ms to the
# app's latency and answer every request (issue #4). One connection, against the app
# directly, through foilcache with Redis up, and through foilcache with Redis paused (the
# route has l1: false, so every request asks Redis, finds it unavailable and BYPASSes).
# bench/latency.py times every request itself (wrk's latency summary did not add up with
# one connection).
#   bench/run-outage.sh [BUILD_DIR]      env: DURATION (default 5s)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DURATION=${DURATION:-5s}
. bench/lib.sh
bench_setup outage

P_REDIS=$(free_port); P_STUB=$(free_port); P_PROXY=$(free_port)
redis-server --port "$P_REDIS" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!; PIDS+=("$REDIS_PID")
"$BUILD/upstream-stub" --listen "127.0.0.1:$P_STUB" --latency-scale 0 >"$WORK/stub.log" 2>&1 &
PIDS+=($!)
cat >"$WORK/foilcache.yaml" <<YAML
listen: 127.0.0.1:$P_PROXY
upstream: http://127.0.0.1:$P_STUB
threads: 2
redis: {url: "redis://127.0.0.1:$P_REDIS", prefix: "foilcache-outage:"}
identity: {secret: outage}
log: {level: warn, access: false}
routes:
  - name: system_info
    match: GET /api/system/info
    ttl: 1h
    key: system_info
    shared: true
    l1: false
YAML
"$BUILD/foilcache" --config "$WORK/foilcache.yaml" >"$WORK/foilcache.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_STUB/api/system/info"
wait_http "http://127.0.0.1:$P_PROXY/healthz"
for _ in $(seq 150); do curl -fs "http://127.0.0.1:$P_PROXY/healthz" | grep -q '"store":"enabled"' && break; sleep 0.1; done

run() {  # LABEL PORT: one keep-alive connection, back to back, every request timed
  echo "== $1"
  python3 bench/latency.py --duration "${DURATION%s}" "http://127.0.0.1:$2/api/system/info"
}
echo "foilcache outage latency, $(date -u +%FT%TZ), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
run "app directly" "$P_STUB"
run "foilcache, Redis up (Redis hits)" "$P_PROXY"
kill -STOP "$REDIS_PID"
run "foilcache, Redis paused (BYPASS to the app)" "$P_PROXY"
kill -CONT "$REDIS_PID"
echo "X-Cache while paused was BYPASS; errors by kind after the run:"
curl -s "http://127.0.0.1:$P_PROXY/metrics" | grep -E '^foilcache_errors_total\{kind="store_unavailable"\}|^foilcache_store_breaker_open' | sed 's/^/   /'
