#!/usr/bin/env bash
# Runs ../shared/bench/anchors.sh with foilcache as the "project" row: foilcache (Redis
# path) in front of a static nginx origin that serves the anchors' own payloads, warmed
# before the run. Then measures a 1 GiB pass-through download (throughput and peak RSS).
# Loopback only; everything started here is stopped on exit.
#
#   bench/run-anchors.sh [BUILD_DIR]      env: DURATION, CONNS (passed to anchors.sh),
#                                         REPEAT (runs of anchors.sh; >1 prints medians)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
ANCHORS=${ANCHORS:-$ROOT/../shared/bench/anchors.sh}
[ -x "$BUILD/foilcache" ] || { echo "build first: make build" >&2; exit 1; }
. bench/lib.sh
bench_setup bench
# 1.-2. The anchors' payloads behind a static origin (nginx, on P_ORIGIN), and a private redis-server.
start_anchors_origin "$ANCHORS"
P_REDIS=$(free_port); P_PROXY=$(free_port)
redis-server --bind 127.0.0.1 --port "$P_REDIS" --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$P_REDIS" ping >/dev/null 2>&1 && break; sleep 0.1; done

# 3. foilcache (Redis path) in front of it, warmed.
FOILCACHE_LISTEN=127.0.0.1:$P_PROXY UPSTREAM_URL=http://127.0.0.1:$P_ORIGIN REDIS_URL=redis://127.0.0.1:$P_REDIS \
  "$BUILD/foilcache" --config bench/foilcache-bench.yaml >"$WORK/foilcache.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_PROXY/healthz"
LIB="http://127.0.0.1:$P_PROXY/api/library/paged?page=1"
INFO="http://127.0.0.1:$P_PROXY/api/system/info"
for u in "$LIB" "$INFO"; do curl -s -o /dev/null "$u"; done
for u in "$LIB" "$INFO"; do
  c=$(curl -s -o /dev/null -D - "$u" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}')
  [ "$c" = HIT ] || { echo "not warmed: $u X-Cache=$c" >&2; exit 1; }
done
echo "foilcache warmed: $LIB, $INFO"

# What Redis holds for the library page (gzip-compressed when the route compresses).
for key in $(redis-cli -p "$P_REDIS" --scan --pattern '*library*'); do
  echo "stored in Redis: $key $(redis-cli -p "$P_REDIS" STRLEN "$key") bytes (the page is $(curl -s "$LIB" | wc -c) bytes)"
done

# 4. The side-by-side table, REPEAT times, then the medians.
RESULTS=${RESULTS_DIR:-$WORK/results}
mkdir -p "$RESULTS"
for run in $(seq "${REPEAT:-1}"); do
  echo "== anchors run $run of ${REPEAT:-1} =="
  PROXY_URL_LIBRARY=$LIB PROXY_URL_INFO=$INFO BASE_PORT=${BASE_PORT:-18000} RESULTS_DIR=$RESULTS bash "$ANCHORS"
done
[ "${REPEAT:-1}" -gt 1 ] && python3 bench/anchors-median.py "$RESULTS"/anchors-*.txt

# Clients that accept gzip get the stored gzip body (anchors' wrk sends no Accept-Encoding).
for c in ${CONNS:-32 128}; do
  echo "== foilcache lib, Accept-Encoding: gzip, c$c =="
  wrk -t1 -c"$c" -d"${DURATION:-8s}" --latency -H 'Accept-Encoding: gzip' "$LIB" | grep -E 'Requests/sec|Transfer/sec|^ +50%|^ +99%'
done

# 5. 1 GiB pass-through download: throughput direct vs through foilcache, peak RSS.
P_STUB=$(free_port)
"$BUILD/upstream-stub" --listen "127.0.0.1:$P_STUB" --latency-scale 0 --game-size $((1 << 30)) >"$WORK/stub.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_STUB/api/system/info"
P_PROXY2=$(free_port)
FOILCACHE_LISTEN=127.0.0.1:$P_PROXY2 UPSTREAM_URL=http://127.0.0.1:$P_STUB REDIS_URL=redis://127.0.0.1:$P_REDIS \
  "$BUILD/foilcache" --config bench/foilcache-bench.yaml >"$WORK/foilcache2.log" 2>&1 &
PROXY2_PID=$!
PIDS+=($PROXY2_PID)
wait_http "http://127.0.0.1:$P_PROXY2/healthz"
rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
before=$(awk '/^VmRSS:/ {print $2}' "/proc/$PROXY2_PID/status")
direct=$(curl -s -o /dev/null -u alice:alice-pw -w '%{speed_download}' "http://127.0.0.1:$P_STUB/api/get_game/1")
proxied=$(curl -s -o /dev/null -u alice:alice-pw -w '%{speed_download}' "http://127.0.0.1:$P_PROXY2/api/get_game/1")
echo "== 1 GiB pass-through download (curl, loopback) =="
awk -v d="$direct" -v p="$proxied" 'BEGIN { printf "direct %.0f MiB/s, via foilcache %.0f MiB/s, ratio %.2f\n", d/1048576, p/1048576, p/d }'
echo "foilcache RSS before: $((before / 1024)) MiB, peak (VmHWM) after: $(( $(rss_kib "$PROXY2_PID") / 1024 )) MiB"
