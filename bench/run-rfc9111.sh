#!/usr/bin/env bash
# RFC 9111 rule by rule: foilcache's `ttl: origin` mode, nginx `proxy_cache` and Varnish,
# each with its default configuration, in front of the same origin (the upstream-stub's
# /__stub/respond, which answers with whatever fields a request asks for). The rules and
# the origin's recording gate are in bench/rfc9111.py; this starts the proxies and prints
# its Markdown table (docs/HTTP-CACHING.md, "Compared with nginx and Varnish").
#
#   bench/run-rfc9111.sh [BUILD_DIR]     (default build)
#     env: FOILCACHE_STORE=redis|memory  foilcache on a private redis-server (default) or
#                                        on its embedded store
#          ONLY=1,4,13                   only these rules (9 is the outage pair 9a/9b)
#          KEEP=1                        keep the work dir (configs, logs, results.json)
#
# What runs, all on free loopback ports, all stopped on exit:
#   upstream-stub (copied from BUILD_DIR with foilcache, so a rebuild cannot pull them away)
#   the gate (in rfc9111.py): every proxy's upstream; forwards to the stub and records
#   foilcache: one route `match: GET /__stub/respond`, `ttl: origin`, `key: "respond:{query}"`, shared
#   nginx: two servers, each its own proxy_cache zone, `proxy_cache_key $request_uri`, no
#     proxy_cache_valid (the origin's fields decide); the second adds the settings most
#     guides recommend: proxy_cache_revalidate on, proxy_cache_lock on
#   varnishd: the built-in VCL (-b), -s malloc,64m, default_ttl/grace/keep as shipped
# Debian packages installed when missing: nginx-light, varnish, redis-server, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ -x "$BUILD/foilcache" ] && [ -x "$BUILD/upstream-stub" ] || { echo "no foilcache/upstream-stub in $BUILD (make build)" >&2; exit 1; }
. bench/lib.sh

need=()
command -v curl >/dev/null || need+=(curl)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need+=(nginx-light)
command -v varnishd >/dev/null || [ -x /usr/sbin/varnishd ] || need+=(varnish)
[ "${FOILCACHE_STORE:-redis}" = redis ] && { command -v redis-server >/dev/null || need+=(redis-server); }
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
VARNISHD=$(command -v varnishd || echo /usr/sbin/varnishd)

bench_setup rfc9111
START=$(date +%s)
cp "$BUILD/foilcache" "$BUILD/upstream-stub" "$WORK/"
P_STUB=$(free_port); P_GATE=$(free_port); P_FC=$(free_port)
P_NGX=$(free_port); P_NGX_RV=$(free_port); P_VARNISH=$(free_port)

"$WORK/upstream-stub" --listen "127.0.0.1:$P_STUB" --latency-scale 0 >"$WORK/stub.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_STUB/__stub/counters" "$WORK/stub.log"

# foilcache
REDIS_URL=
if [ "${FOILCACHE_STORE:-redis}" = redis ]; then
  P_REDIS=$(free_port)
  redis-server --bind 127.0.0.1 --port "$P_REDIS" --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  wait_redis "$P_REDIS"
  REDIS_URL=redis://127.0.0.1:$P_REDIS
fi
cat >"$WORK/foilcache.yaml" <<YAML
listen: 127.0.0.1:$P_FC
upstream: http://127.0.0.1:$P_GATE
redis:
  url: "$REDIS_URL"
  prefix: "rfc9111:"
identity:
  secret: rfc9111-bench
routes:
  - name: respond
    match: GET /__stub/respond
    ttl: origin
    key: "respond:{query}"
    shared: true
YAML
"$WORK/foilcache" --config "$WORK/foilcache.yaml" >"$WORK/foilcache.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_FC/healthz" "$WORK/foilcache.log"
if [ -n "$REDIS_URL" ]; then
  for i in $(seq 151); do
    curl -fs "http://127.0.0.1:$P_FC/healthz" | grep -q '"store":"enabled"' && break
    [ "$i" = 151 ] && { echo "foilcache never reached Redis" >&2; cat "$WORK/foilcache.log" >&2; exit 1; }
    sleep 0.1
  done
fi

# nginx: the plain cache, and the one with the recommended revalidate + lock.
run_user=""; [ "$(id -u)" = 0 ] && run_user="user root;"
cat >"$WORK/nginx.conf" <<NGX
$run_user
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/ngx-body; proxy_temp_path $WORK/ngx-proxy;
  fastcgi_temp_path $WORK/ngx-fcgi; uwsgi_temp_path $WORK/ngx-uwsgi; scgi_temp_path $WORK/ngx-scgi;
  proxy_cache_path $WORK/ngx-cache-plain keys_zone=plain:10m;
  proxy_cache_path $WORK/ngx-cache-rv keys_zone=rv:10m;
  server {
    listen 127.0.0.1:$P_NGX;
    location / {
      proxy_pass http://127.0.0.1:$P_GATE;
      proxy_cache plain;
      proxy_cache_key \$request_uri;
    }
  }
  server {
    listen 127.0.0.1:$P_NGX_RV;
    location / {
      proxy_pass http://127.0.0.1:$P_GATE;
      proxy_cache rv;
      proxy_cache_key \$request_uri;
      proxy_cache_revalidate on;
      proxy_cache_lock on;
    }
  }
}
NGX
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_NGX/" "$WORK/nginx-error.log"   # 502 until the gate is up: only the listener is checked
wait_http "http://127.0.0.1:$P_NGX_RV/" "$WORK/nginx-error.log"

# Varnish: the built-in VCL (-b, no -f). Run as root, the default jail works (no -j none
# needed), with its work dir (-n) in WORK; -F keeps it in the foreground, so its pid is ours.
mkdir -p "$WORK/varnish"
"$VARNISHD" -F -a "127.0.0.1:$P_VARNISH" -b "127.0.0.1:$P_GATE" -n "$WORK/varnish" -s malloc,64m >"$WORK/varnish.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_VARNISH/" "$WORK/varnish.log"

echo "## versions" >&2
echo "foilcache: $("$WORK/foilcache" --version 2>&1 | head -1)" >&2
echo "nginx: $("$NGINX" -v 2>&1)" >&2
echo "varnishd: $("$VARNISHD" -V 2>&1 | head -1)" >&2
echo "foilcache store: ${FOILCACHE_STORE:-redis}" >&2

python3 bench/rfc9111.py --origin-port "$P_GATE" --stub-port "$P_STUB" \
  --proxy "foilcache=$P_FC" --proxy "nginx=$P_NGX" --proxy "nginx (revalidate, lock)=$P_NGX_RV" \
  --proxy "Varnish=$P_VARNISH" --json "$WORK/results.json" ${ONLY:+--only "$ONLY"}
echo "run time: $(( $(date +%s) - START )) s" >&2
