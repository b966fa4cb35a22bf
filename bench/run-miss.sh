#!/usr/bin/env bash
# The MISS path's added latency (goal: foilcache adds <= 0.3 ms p50 over calling the app
# directly). A static nginx origin serving the anchors' payloads, a private redis-server and
# foilcache (bench/foilcache-bench.yaml, Redis path) in front of it. On one keep-alive
# connection, COUNT requests back to back, each a cache key of its own (library page:
# sort_by=<unique>, which the key names and nginx ignores; system info: miss=<unique>, named
# by the key through BENCH_INFO_KEY_SUFFIX), timed by bench/latency.py: to the origin
# directly, then through foilcache, where every answer must be X-Cache: MISS (else exit 1).
# ROUNDS rounds alternate the two; the table shows the medians over the rounds. Loopback
# only; everything started here is stopped on exit.
#
#   bench/run-miss.sh [BUILD_DIR]      env: COUNT (5000), ROUNDS (3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
COUNT=${COUNT:-5000}
ROUNDS=${ROUNDS:-3}
ANCHORS=${ANCHORS:-$ROOT/../shared/bench/anchors.sh}
[ -x "$BUILD/foilcache" ] || { echo "build first: make build" >&2; exit 1; }
. bench/lib.sh
bench_setup miss

start_anchors_origin "$ANCHORS"
P_PROXY=$(free_port)
start_redis
FOILCACHE_LISTEN=127.0.0.1:$P_PROXY UPSTREAM_URL=http://127.0.0.1:$P_ORIGIN REDIS_URL=redis://127.0.0.1:$P_REDIS \
  BENCH_INFO_KEY_SUFFIX=':{query.miss}' "$BUILD/foilcache" --config bench/foilcache-bench.yaml >"$WORK/foilcache.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_PROXY/healthz" "$WORK/foilcache.log"
for _ in $(seq 150); do curl -fs "http://127.0.0.1:$P_PROXY/healthz" | grep -q '"store":"enabled"' && break; sleep 0.1; done

DIRECT=http://127.0.0.1:$P_ORIGIN
PROXY=http://127.0.0.1:$P_PROXY
LIB='/api/library/paged?page=1&sort_by=TAG{i}'  # TAG: a prefix per run of latency.py, so no key repeats
INFO='/api/system/info?miss=TAG{i}'

# The key really varies with the unique parameter: same URL MISS then HIT, another one MISS.
x_cache() { curl -s -o /dev/null -D - "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}'; }
for path in "$LIB" "$INFO"; do
  a=$PROXY${path//TAG\{i\}/check1}; b=$PROXY${path//TAG\{i\}/check2}
  got="$(x_cache "$a") $(x_cache "$a") $(x_cache "$b")"
  [ "$got" = "MISS HIT MISS" ] || { echo "keys do not vary as expected for $path: $got" >&2; exit 1; }
done
[ "$(curl -s "$DIRECT${LIB//TAG\{i\}/x}" | wc -c)" = "$(curl -s "$PROXY${LIB//TAG\{i\}/y}" | wc -c)" ] ||
  { echo "foilcache's library page differs in size from the origin's" >&2; exit 1; }

measure() {  # ROUND NAME PATH: direct, then through foilcache (all MISS), one JSON line each
  local tag
  for side in direct foilcache; do
    tag=r$1$2$side
    local base=$DIRECT expect=()
    [ "$side" = foilcache ] && base=$PROXY expect=(--expect-cache MISS)
    printf '%s %s %s ' "$1" "$2" "$side" >>"$WORK/results.txt"
    python3 bench/latency.py --count "$COUNT" --json "${expect[@]}" "$base${3//TAG/$tag}" >>"$WORK/results.txt" || {
      # A BYPASS is a store command past redis.timeout (50ms): a stalled machine or Redis.
      echo "round $1 $2 $side: not every request was a 200 MISS; foilcache errors:" >&2
      curl -s "$PROXY/metrics" | grep -E '^foilcache_errors_total' | grep -v ' 0$' >&2
      exit 1
    }
  done
}
# Warm-up (connections, page cache, allocator): not recorded.
for side in "$DIRECT" "$PROXY"; do
  python3 bench/latency.py --count 500 --json "$side${LIB//TAG/warm}" "$side${INFO//TAG/warm}" >/dev/null
done
redis-cli -p "$P_REDIS" CONFIG RESETSTAT >/dev/null

echo "foilcache MISS latency, $(date -u +%FT%TZ), $(nproc) cores, loadavg before $(cut -d' ' -f1-3 /proc/loadavg)," \
  "foilcache $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $COUNT requests x $ROUNDS rounds, one keep-alive connection"
: >"$WORK/results.txt"
for round in $(seq "$ROUNDS"); do
  measure "$round" lib "$LIB"
  measure "$round" info "$INFO"
done
echo "loadavg after $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$WORK/results.txt" "$COUNT" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    rnd, name, side, doc = line.split(" ", 3)
    rows.setdefault((name, side), []).append(json.loads(doc))
bad = [(k, r) for k, rs in rows.items() for r in rs if r["non200"] or r["requests"] != int(sys.argv[2])]
med = lambda name, side, f: statistics.median(r[f] for r in rows[(name, side)])
titles = {"lib": "library page (25 KiB)", "info": "system info (~330 B)"}
print(f"{'ms, median of rounds':<34}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}   X-Cache (all rounds)")
for name in ("lib", "info"):
    for side in ("direct", "foilcache"):
        xc = {}
        for r in rows[(name, side)]:
            for k, v in r["x_cache"].items(): xc[k] = xc.get(k, 0) + v
        print(f"{titles[name] + ', ' + side:<34}" + "".join(f"{med(name, side, f):8.3f}" for f in ("p50", "p90", "p99", "max"))
              + f"   {xc}")
    diffs = [f["p50"] - d["p50"] for d, f in zip(rows[(name, "direct")], rows[(name, "foilcache")])]
    print(f"  {name}: foilcache adds {statistics.median(diffs):.3f} ms at p50 (per round: "
          f"{', '.join(f'{d:.3f}' for d in diffs)}); goal <= 0.3 ms: {'met' if statistics.median(diffs) <= 0.3 else 'NOT met'}")
if bad:
    sys.exit(f"non-200 answers or short runs: {bad}")
PY

# Where the time goes: what each miss asked of Redis (measured rounds only).
misses=$((2 * COUNT * ROUNDS))
echo "Redis commands per MISS ($misses misses), usec per call inside Redis:"
redis-cli -p "$P_REDIS" INFO commandstats | tr -d '\r' | awk -F'[:,=]' -v n="$misses" \
  '/^cmdstat_/ { sub("cmdstat_", "", $1); printf "   %-8s %.2f per miss, %s us/call\n", $1, $3 / n, $7 }'
# foilcache's own view (means over every request of the run, warm-up and checks included).
echo "foilcache metrics, mean per operation:"
curl -s "$PROXY/metrics" | awk '
  /^foilcache_store_operation_duration_seconds_(sum|count)\{/ || /^foilcache_upstream_request_duration_seconds_(sum|count)\{/ {
    split($1, a, "{"); kind = a[1]; sub(/_(sum|count)$/, "", kind); label = "{" a[2]
    if ($1 ~ /_sum\{/) sum[kind label] = $2; else cnt[kind label] = $2 }
  END { for (k in cnt) if (cnt[k] > 0) printf "   %s  %.3f ms x %d\n", k, 1000 * sum[k] / cnt[k], cnt[k] }' | sort
python3 - "$WORK/www/library/page_1.json" <<'PY'
import sys, time, zlib
body = open(sys.argv[1], "rb").read()
n = 200; t0 = time.perf_counter()
for _ in range(n): packed = zlib.compress(body, 1)
print(f"zlib level 1 (foilcache's gzip level, proxy/cache/gzip.cpp) on the 25 KiB page, this machine: "
      f"{(time.perf_counter() - t0) * 1000 / n:.3f} ms, {len(body)} -> {len(packed)} bytes")
PY
