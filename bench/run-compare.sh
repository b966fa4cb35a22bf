#!/usr/bin/env bash
# Two foilcache builds side by side, alternated in one sitting (A B A B ...), against the
# same static nginx origin (the anchors' payloads) and one private redis-server: hit
# throughput with the L1 tier on and off (the Redis path), for the 25 KiB library page and
# the ~330 B system info at c32 and c128, and the MISS latency (p50) over calling the origin
# directly. Prints each figure's median over the rounds and the ratio B/A. Loopback only;
# everything started here is stopped on exit.
#
#   bench/run-compare.sh BUILD_A BUILD_B     env: ROUNDS (3), DURATION (5s), CONNS ("32 128"),
#                                            COUNT (2000 requests per miss measurement)
# e.g. an old checkout built in ../old/build against this one:
#   bench/run-compare.sh ../old/build build
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
A=$(cd "$1" && pwd); B=$(cd "$2" && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-32 128}
COUNT=${COUNT:-2000}
ANCHORS=${ANCHORS:-$ROOT/../shared/bench/anchors.sh}
for b in "$A" "$B"; do [ -x "$b/foilcache" ] || { echo "no foilcache in $b" >&2; exit 1; }; done
. bench/lib.sh
bench_setup compare
start_anchors_origin "$ANCHORS"
start_redis

# start_proxy BUILD L1 [KEY_SUFFIX]: foilcache on P_PROXY (its pid in PROXY_PID), healthy.
start_proxy() {
  P_PROXY=$(free_port)
  FOILCACHE_LISTEN=127.0.0.1:$P_PROXY UPSTREAM_URL=http://127.0.0.1:$P_ORIGIN \
    REDIS_URL=redis://127.0.0.1:$P_REDIS FOILCACHE_L1=$2 BENCH_INFO_KEY_SUFFIX=${3:-} \
    "$1/foilcache" --config bench/foilcache-bench.yaml >"$WORK/foilcache.log" 2>&1 &
  PROXY_PID=$!
  PIDS+=($PROXY_PID)
  wait_http "http://127.0.0.1:$P_PROXY/healthz" "$WORK/foilcache.log"
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:$P_PROXY/healthz" | grep -q '"store":"enabled"' && return; sleep 0.1; done
  echo "foilcache never reached Redis" >&2; exit 1
}
stop_proxy() { kill -TERM "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true; }

: >"$WORK/rows.txt"
hits() {  # ROUND SIDE BUILD L1: req/s of warmed hits, one row per page and connection count
  start_proxy "$3" "$4"
  local lib="http://127.0.0.1:$P_PROXY/api/library/paged?page=1" info="http://127.0.0.1:$P_PROXY/api/system/info"
  for u in "$lib" "$info"; do curl -s -o /dev/null "$u"; curl -s -o /dev/null "$u"; done
  for page in lib info; do
    local url=$lib; [ "$page" = info ] && url=$info
    for c in $CONNS; do
      rps=$(wrk -t1 -c"$c" -d"$DURATION" "$url" | awk '/Requests\/sec/ {print $2}')
      echo "$1 $2 l1=$4 $page c$c rps $rps" >>"$WORK/rows.txt"
    done
  done
  stop_proxy
}
misses() {  # ROUND SIDE BUILD: p50 ms added by a MISS over the origin, per page
  start_proxy "$3" true ':{query.miss}'
  for page in lib info; do
    local path="/api/library/paged?page=1&sort_by=r$1$2{i}"
    [ "$page" = info ] && path="/api/system/info?miss=r$1$2{i}"
    direct=$(python3 bench/latency.py --count "$COUNT" --json "http://127.0.0.1:$P_ORIGIN${path//\{i\}/d\{i\}}")
    proxied=$(python3 bench/latency.py --count "$COUNT" --json --expect-cache MISS "http://127.0.0.1:$P_PROXY$path")
    python3 -c 'import json,sys; d,p=(json.loads(a) for a in sys.argv[1:3]); print("%.4f" % (p["p50"] - d["p50"]))' \
      "$direct" "$proxied" | awk -v r="$1" -v s="$2" -v page="$page" '{print r, s, "miss", page, "p50+ ms", $1}' >>"$WORK/rows.txt"
  done
  stop_proxy
}

echo "A: $A"; echo "B: $B"
echo "$(date -u +%FT%TZ), $(nproc) cores, loadavg before $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds, wrk -t1 -d$DURATION"
for round in $(seq "$ROUNDS"); do
  for l1 in true false; do
    hits "$round" A "$A" $l1
    hits "$round" B "$B" $l1
  done
  misses "$round" A "$A"
  misses "$round" B "$B"
done
echo "loadavg after $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/rows.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    rnd, side, value = parts[0], parts[1], float(parts[-1])
    rows.setdefault(" ".join(parts[2:-1]), {}).setdefault(side, []).append(value)
print(f"{'figure (median of rounds)':<34}{'A':>12}{'B':>12}{'B/A':>8}   per round B/A")
for name, sides in rows.items():
    a, b = statistics.median(sides["A"]), statistics.median(sides["B"])
    per = ", ".join(f"{y / x:.3f}" if x else "-" for x, y in zip(sides["A"], sides["B"]))
    ratio = f"{b / a:.3f}" if a else "-"
    if "miss" in name:
        print(f"{name:<34}{a:12.3f}{b:12.3f}{'':>8}   B-A {b - a:+.3f} ms")
    else:
        print(f"{name:<34}{a:12.0f}{b:12.0f}{ratio:>8}   {per}")
PY
