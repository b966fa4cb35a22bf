#!/usr/bin/env bash
# L1 memory with 100k entries (issue #5): foilcache's in-process tier must stay within its
# configured byte bound (`l1.max_bytes`) however many entries pass through it. 100,000
# distinct keys are requested through foilcache (each a MISS that is stored in Redis and
# in the L1), for a small (1 KB) and a library-page-sized (25 KB) JSON body; the L1's own
# accounting (foilcache_l1_bytes) and the process's resident memory are read before and
# after. Loopback only; everything started here is stopped on exit.
#   bench/run-l1-memory.sh [BUILD_DIR]     env: COUNT (100000), L1_MAX (32MiB), CLIENTS (4)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
COUNT=${COUNT:-100000}
L1_MAX=${L1_MAX:-32MiB}
CLIENTS=${CLIENTS:-4}
. bench/lib.sh
bench_setup l1mem

P_REDIS=$(free_port); P_STUB=$(free_port)
redis-server --port "$P_REDIS" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
"$BUILD/upstream-stub" --listen "127.0.0.1:$P_STUB" --latency-scale 0 >"$WORK/stub.log" 2>&1 &
PIDS+=($!)
wait_redis "$P_REDIS"
wait_http "http://127.0.0.1:$P_STUB/api/system/info" "$WORK/stub.log"

rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
l1_mib() { curl -s "$1/metrics" | awk '/^foilcache_l1_bytes / {printf "%.1f", $2 / 1048576}'; }

for size in 1000 25600; do
  P_PROXY=$(free_port)
  cat >"$WORK/foilcache.yaml" <<YAML
listen: 127.0.0.1:$P_PROXY
upstream: http://127.0.0.1:$P_STUB
threads: 2
redis: {url: "redis://127.0.0.1:$P_REDIS", prefix: "foilcache-l1mem-$size:"}
identity: {secret: l1mem}
l1: {enabled: ${L1_ENABLED:-true}, max_bytes: $L1_MAX}
log: {level: warn, access: false}
routes:
  - name: respond
    match: GET /__stub/respond
    ttl: 1h
    key: "respond:{query.n}"
    shared: true
YAML
  "$BUILD/foilcache" --config "$WORK/foilcache.yaml" >"$WORK/foilcache-$size.log" 2>&1 &
  PROXY_PID=$!
  PIDS+=($PROXY_PID)
  BASE="http://127.0.0.1:$P_PROXY"
  wait_http "$BASE/healthz" "$WORK/foilcache-$size.log"
  TARGET="/__stub/respond?size=$size&content_type=application/json&n="
  curl -s -o /dev/null "$BASE${TARGET}warm"
  rss_before=$(rss_mib "$PROXY_PID")
  # CLIENTS keep-alive connections, each sending its share of the COUNT distinct keys.
  python3 - "$P_PROXY" "$TARGET" "$COUNT" "$CLIENTS" <<'PY'
import http.client, sys, threading
port, target, count, clients = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
misses, failures = [0], [0]
lock = threading.Lock()
def client(first):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    mine_misses = mine_failures = 0
    for n in range(first, count, clients):
        conn.request("GET", f"{target}{n}")
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            mine_failures += 1
        elif r.getheader("X-Cache") == "MISS":
            mine_misses += 1
    with lock:
        misses[0] += mine_misses
        failures[0] += mine_failures
threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
print(f"requests {count}, MISS {misses[0]}, non-200 {failures[0]}")
if misses[0] != count or failures[0]:
    sys.exit("expected every request to be a stored MISS")
PY
  echo "body $size B: l1.max_bytes $L1_MAX, foilcache_l1_bytes $(l1_mib "$BASE") MiB;" \
       "RSS $rss_before MiB before, $(rss_mib "$PROXY_PID") MiB after (peak $(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$PROXY_PID/status") MiB)"
  kill -TERM "$PROXY_PID"
  wait "$PROXY_PID" 2>/dev/null || true
done
