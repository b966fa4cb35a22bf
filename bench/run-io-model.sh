#!/usr/bin/env bash
# Per-core io_contexts versus one shared io_context (foilcache --io-model): cache hits
# through foilcache (Redis path, warmed) in front of a static nginx origin, measured with
# wrk. The two models alternate (A B A B ...) so machine noise hits both; the table shows
# the median over the rounds of requests/s and p99 per L1 setting, payload and connections.
# Loopback only; everything started here is stopped on exit.
#
#   bench/run-io-model.sh [BUILD_DIR]
#   env: DURATION (8s per wrk run), REPEAT (3 rounds), CONNS ("32 128"),
#        L1 ("true"; "true false" also measures every hit as a Redis GET), ANCHORS
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
DURATION=${DURATION:-8s}
REPEAT=${REPEAT:-3}
CONNS=${CONNS:-32 128}
L1=${L1:-true}
MODELS=(per-core shared)
ANCHORS=${ANCHORS:-$ROOT/../shared/bench/anchors.sh}
[ -x "$BUILD/foilcache" ] || { echo "build first: make build" >&2; exit 1; }
"$BUILD/foilcache" --help | grep -q -- --io-model || { echo "$BUILD/foilcache has no --io-model" >&2; exit 1; }
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt-get install -y -qq nginx-light >/dev/null
. bench/lib.sh
bench_setup io-model
chmod 755 "$WORK"  # nginx workers read the payloads

# foilcache is restarted for every measurement; it is stopped here (bounded), not by
# bench_cleanup, so a recycled pid is never signalled.
FC_PID=""
stop_foilcache() {
  [ -n "$FC_PID" ] || return 0
  kill -TERM "$FC_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$FC_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$FC_PID" 2>/dev/null || true
  wait "$FC_PID" 2>/dev/null || true
  FC_PID=""
}
trap 'stop_foilcache; bench_cleanup' EXIT

# 1. Payloads: the anchors' own generator (a ~25 KB library page, a ~331 B info doc).
mkdir -p "$WORK/www/library"
[ -f "$ANCHORS" ] || { echo "missing $ANCHORS (its payload generator is used)" >&2; exit 1; }
sed -n "/^\"\$PY\" - \"\$DATA\" <<'EOF'$/,/^EOF$/p" "$ANCHORS" | sed '1d;$d' >"$WORK/gen.py"
python3 "$WORK/gen.py" "$WORK/www"

# 2. Static origin (nginx) and a private redis-server.
P_ORIGIN=$(free_port); P_REDIS=$(free_port); P_PROXY=$(free_port)
RUN_USER=""; [ "$(id -u)" = 0 ] && RUN_USER="user root;"
cat >"$WORK/nginx.conf" <<NGX
$RUN_USER
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
  fastcgi_temp_path $WORK/fcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
  server {
    listen 127.0.0.1:$P_ORIGIN;
    root $WORK/www;
    default_type application/json;
    location = /api/library/paged { try_files /library/page_\$arg_page.json =404; }
    location = /api/system/info   { try_files /system_info.json =404; }
  }
}
NGX
/usr/sbin/nginx -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
redis-server --bind 127.0.0.1 --port "$P_REDIS" --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_ORIGIN/api/system/info" "$WORK/nginx-error.log"
wait_redis "$P_REDIS"

LIB="http://127.0.0.1:$P_PROXY/api/library/paged?page=1"
INFO="http://127.0.0.1:$P_PROXY/api/system/info"

# 3. One foilcache per measurement: MODEL L1. Started, Redis connected, warmed, checked.
start_foilcache() {
  local log=$WORK/foilcache.$1.$2.log
  FOILCACHE_LISTEN=127.0.0.1:$P_PROXY UPSTREAM_URL=http://127.0.0.1:$P_ORIGIN \
    REDIS_URL=redis://127.0.0.1:$P_REDIS FOILCACHE_L1=$2 \
    "$BUILD/foilcache" --config bench/foilcache-bench.yaml --io-model="$1" >>"$log" 2>&1 &
  FC_PID=$!
  wait_http "http://127.0.0.1:$P_PROXY/healthz" "$log"
  for _ in $(seq 150); do
    curl -fs --max-time 2 "http://127.0.0.1:$P_PROXY/healthz" | grep -q '"store":"enabled"' && break
    sleep 0.1
  done
  local u c
  for u in "$LIB" "$INFO"; do curl -s --max-time 5 -o /dev/null "$u"; done
  for u in "$LIB" "$INFO"; do
    c=$(curl -s --max-time 5 -o /dev/null -D - "$u" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}')
    [ "$c" = HIT ] || { echo "not warmed ($1, l1 $2): $u X-Cache=$c" >&2; cat "$log" >&2; exit 1; }
  done
  wrk -t1 -c8 -d1s "$LIB" >/dev/null 2>&1  # settle (not recorded)
}

RES=$WORK/results.tsv  # l1 model payload conns round rps p99ms errors
run_wrk() {  # L1 MODEL PAYLOAD CONNS ROUND URL
  local out=$WORK/wrk.$1.$2.$3.$4.$5.txt
  wrk -t1 -c"$4" -d"$DURATION" --latency "$6" >"$out" 2>&1 || { echo "wrk failed: $(cat "$out")" >&2; exit 1; }
  awk -v l="$1" -v m="$2" -v p="$3" -v c="$4" -v r="$5" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v+0 }
    /^ +99%/ { p99 = ms($2) }
    /Socket errors:/ { err += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx/ { err += $5 }
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%s\t%s\t%s\t%s\t%s\t%.0f\t%.3f\t%d\n", l, m, p, c, r, rps, p99, err }' "$out" >>"$RES"
}

echo "cores: $(nproc); foilcache threads: ${FOILCACHE_THREADS:-2}; wrk -t1 -d$DURATION; conns: $CONNS; rounds: $REPEAT"
echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
for l1 in $L1; do
  for round in $(seq "$REPEAT"); do
    for model in "${MODELS[@]}"; do
      echo "round $round/$REPEAT: l1 $l1, $model" >&2
      start_foilcache "$model" "$l1"
      for c in $CONNS; do
        run_wrk "$l1" "$model" lib "$c" "$round" "$LIB"
        run_wrk "$l1" "$model" info "$c" "$round" "$INFO"
      done
      stop_foilcache
    done
  done
done
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)"

# 4. Medians over the rounds, the shared model's rps as a ratio of the per-core one.
python3 - "$RES" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
errors = 0
for line in open(sys.argv[1]):
    l1, model, payload, conns, _, rps, p99, err = line.split("\t")
    runs[(l1, payload, int(conns), model)].append((float(rps), float(p99)))
    errors += int(err)
# rps: median [min-max] over the rounds; p99: median.
print(f"{'l1':<6}{'payload':<8}{'conns':>5}  {'per-core rps [min-max]':>24}{'p99 ms':>8}  "
      f"{'shared rps [min-max]':>24}{'p99 ms':>8}  {'shared/per-core':>15}")
for l1, payload, conns in sorted({k[:3] for k in runs}, key=lambda k: (k[0] != "true", k[1] != "lib", k[2])):
    row, text = {}, {}
    for model in ("per-core", "shared"):
        samples = runs[(l1, payload, conns, model)]
        rps = [s[0] for s in samples]
        row[model] = statistics.median(rps)
        text[model] = (f"{row[model]:.0f} [{min(rps):.0f}-{max(rps):.0f}]", statistics.median(s[1] for s in samples))
    a, b = row["per-core"], row["shared"]
    print(f"{l1:<6}{payload:<8}{conns:>5}  {text['per-core'][0]:>24}{text['per-core'][1]:>8.2f}  "
          f"{text['shared'][0]:>24}{text['shared'][1]:>8.2f}  {b / a if a else 0:>15.2f}")
print(f"({len(next(iter(runs.values())))} rounds each; socket errors + non-2xx over all runs: {errors})")
PY
