#!/usr/bin/env bash
# The demo behind `make run`: a private redis-server, the upstream stub and foilcache, all
# on loopback. Prints the URLs and a curl line that shows MISS then HIT. Ctrl-C stops all.
# Without redis-server installed, foilcache runs on its embedded in-memory store.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PROXY_PORT=${FOILCACHE_PORT:-8080}
STUB_PORT=${STUB_PORT:-5000}
REDIS_PORT=${REDIS_PORT:-6390}
WORK=$(mktemp -d /tmp/foilcache-demo.XXXXXX)
PIDS=()

cleanup() {
  trap - INT TERM EXIT
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
  echo "demo stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_http() {  # URL: up to 10 s
  for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "run-demo: $1 did not come up" >&2; return 1
}
for p in "$PROXY_PORT" "$STUB_PORT"; do
  port_free "$p" || { echo "run-demo: port $p is in use (set FOILCACHE_PORT / STUB_PORT)" >&2; exit 1; }
done

REDIS_URL=""
if command -v redis-server >/dev/null && port_free "$REDIS_PORT"; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize no \
    --dir "$WORK" >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
else
  echo "run-demo: no redis-server (or port $REDIS_PORT busy): using the embedded in-memory store"
fi

# Operator secrets of the demo (set your own in production: see README "Operators").
export FOILCACHE_ADMIN_TOKEN=${FOILCACHE_ADMIN_TOKEN:-demo-admin-token}
export FOILCACHE_WEBHOOK_SECRET=${FOILCACHE_WEBHOOK_SECRET:-demo-webhook-secret}

# The stub plays the library updater too: a scan calls foilcache's webhook, signed.
"$BUILD/upstream-stub" --listen "127.0.0.1:$STUB_PORT" \
  --webhook-url "http://127.0.0.1:$PROXY_PORT/api/cache/webhook" --webhook-secret "$FOILCACHE_WEBHOOK_SECRET" &
PIDS+=($!)
wait_http "http://127.0.0.1:$STUB_PORT/api/system/info"

export UPSTREAM_URL="http://127.0.0.1:$STUB_PORT" REDIS_URL
export FOILCACHE_LISTEN="127.0.0.1:$PROXY_PORT"
export FOILCACHE_IDENTITY_SECRET=${FOILCACHE_IDENTITY_SECRET:-demo-identity-secret}
"$BUILD/foilcache" --config conf/foilcache.yaml &
PIDS+=($!)
wait_http "http://127.0.0.1:$PROXY_PORT/healthz"

P="http://127.0.0.1:$PROXY_PORT"
cat <<MSG

foilcache demo is running (Ctrl-C stops it):
  foilcache      $P        (config conf/foilcache.yaml)
  upstream-stub  http://127.0.0.1:$STUB_PORT   (users alice/alice-pw, bob/bob-pw, admin/admin-pw)
  redis          ${REDIS_URL:-none: embedded in-memory store}

Try it (the first answer is X-Cache: MISS, the second HIT):
  curl -s -o /dev/null -D - -u alice:alice-pw '$P/api/library/paged?page=1' | grep -i x-cache
  curl -s -o /dev/null -D - -u alice:alice-pw '$P/api/library/paged?page=1' | grep -i x-cache
  curl -s -D - '$P/api/system/info'

A library update (the stub's scan calls the signed webhook; the next read is a MISS):
  curl -s -X POST -H 'Authorization: Bearer token-admin' '$P/api/library/scan'
Admin API (token \$FOILCACHE_ADMIN_TOKEN = $FOILCACHE_ADMIN_TOKEN):
  curl -s -H 'Authorization: Bearer $FOILCACHE_ADMIN_TOKEN' '$P/api/cache/info'

MSG
for u in "$P/api/library/paged?page=1" "$P/api/library/paged?page=1"; do
  printf '  %s -> ' "$u"; curl -s -o /dev/null -D - -u alice:alice-pw "$u" | grep -i '^x-cache' | tr -d '\r'
done
wait -n "${PIDS[@]}"
