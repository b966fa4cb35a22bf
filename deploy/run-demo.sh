#!/usr/bin/env bash
# The demo behind `make run`: a private redis-server, the upstream stub and foilcache, all
# on loopback. Prints the URLs and curl lines to try, then walks through the shipped rules
# once (a page MISS then HIT, an ignore toggle through foilcache and the page showing it, a
# scan and the refreshed page, a background change announced on the app's Socket.IO queue;
# DEMO_WALKTHROUGH=0 skips it). Ctrl-C stops all. Without redis-server installed, foilcache
# runs on its embedded in-memory store and the stub publishes no events.
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
MYFOIL_REDIS_URL=""
if command -v redis-server >/dev/null && port_free "$REDIS_PORT"; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize no \
    --dir "$WORK" >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  # The app's own Redis (its Socket.IO message queue), here the same server: the stub
  # publishes library_updated and job_update there, feeds.socketio subscribes.
  MYFOIL_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1"
else
  echo "run-demo: no redis-server (or port $REDIS_PORT busy): using the embedded in-memory store"
fi

# Operator secrets of the demo (set your own in production: see README "Operators").
export FOILCACHE_ADMIN_TOKEN=${FOILCACHE_ADMIN_TOKEN:-demo-admin-token}
export FOILCACHE_WEBHOOK_SECRET=${FOILCACHE_WEBHOOK_SECRET:-demo-webhook-secret}

# The stub plays the library updater too: a scan calls foilcache's webhook, signed.
STUB_EVENTS=()
[ -n "$MYFOIL_REDIS_URL" ] && STUB_EVENTS=(--socketio-redis "$MYFOIL_REDIS_URL")
"$BUILD/upstream-stub" --listen "127.0.0.1:$STUB_PORT" "${STUB_EVENTS[@]}" \
  --webhook-url "http://127.0.0.1:$PROXY_PORT/api/cache/webhook" --webhook-secret "$FOILCACHE_WEBHOOK_SECRET" &
PIDS+=($!)
wait_http "http://127.0.0.1:$STUB_PORT/api/system/info"

export UPSTREAM_URL="http://127.0.0.1:$STUB_PORT" REDIS_URL MYFOIL_REDIS_URL
export FOILCACHE_LISTEN="127.0.0.1:$PROXY_PORT"
export FOILCACHE_IDENTITY_SECRET=${FOILCACHE_IDENTITY_SECRET:-demo-identity-secret}
# Its access log (stdout) goes to a file until the walk-through is done, then is followed.
"$BUILD/foilcache" --config conf/foilcache.yaml >"$WORK/access.log" &
PIDS+=($!)
wait_http "http://127.0.0.1:$PROXY_PORT/healthz"

P="http://127.0.0.1:$PROXY_PORT"
cat <<MSG

foilcache demo is running (Ctrl-C stops it):
  foilcache      $P        (config conf/foilcache.yaml)
  upstream-stub  http://127.0.0.1:$STUB_PORT   (users alice/alice-pw, bob/bob-pw, admin/admin-pw)
  redis          ${REDIS_URL:-none: embedded in-memory store}
  app's events   ${MYFOIL_REDIS_URL:-none} (the stub publishes, feeds.socketio subscribes)

Try it (the first answer is X-Cache: MISS, the second HIT):
  curl -s -o /dev/null -D - -u alice:alice-pw '$P/api/library/paged?page=1' | grep -i x-cache
  curl -s -o /dev/null -D - -u alice:alice-pw '$P/api/library/paged?page=1' | grep -i x-cache
  curl -s -D - '$P/api/system/info'

A write through foilcache invalidates what it changes (Cache-Status: ...; detail=invalidated):
  curl -s -D - -X POST -b session=sess-alice -H 'Content-Type: application/json' --data '{"type":"update","item_id":65536,"ignored":true}' '$P/api/library/ignore/<title id>'
A library update (a write route, and the stub's scan calls the signed webhook; the next
read is a MISS):
  curl -s -X POST -H 'Authorization: Bearer token-admin' '$P/api/library/scan'
Admin API (token \$FOILCACHE_ADMIN_TOKEN = $FOILCACHE_ADMIN_TOKEN):
  curl -s -H 'Authorization: Bearer $FOILCACHE_ADMIN_TOKEN' '$P/api/cache/info'

MSG
# ---- The walk-through: what the shipped rules do, once ----
PAGE="$P/api/library/paged?page=1"
ALICE=(-b session=sess-alice)
x_cache() { curl -s -o /dev/null -D - "${ALICE[@]}" "$PAGE" | grep -i '^x-cache' | tr -d '\r'; }
# A title of alice's first page with one pending update, and that update's version.
pending() {
  python3 -c 'import json, sys
for i in json.load(sys.stdin)["data"]["items"]:
    v = [a["app_version"] for a in i["apps"] if a["app_type"] == "UPDATE" and not a["owned"]]
    if i["has_non_ignored_updates"] and len(v) == 1:
        print(i["id"], v[0]); break'
}
flag() {  # TID: its has_non_ignored_updates on alice's first page
  python3 -c 'import json, sys
print(next(i["has_non_ignored_updates"] for i in json.load(sys.stdin)["data"]["items"] if i["id"] == sys.argv[1]))' "$1"
}
generation() { python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["generation"])'; }

walkthrough() {
  echo "Walk-through (alice's UI session; DEMO_WALKTHROUGH=0 skips it):"
  echo "1. her library page, twice:"
  echo "   $(x_cache)"
  echo "   $(x_cache)"
  read -r TID VERSION < <(curl -s "${ALICE[@]}" "$PAGE" | pending) || true
  [ -n "${TID:-}" ] || { echo "   (no title with one pending update on the page)"; return 0; }
  echo "2. she ignores update v$VERSION of $TID (has_non_ignored_updates: $(curl -s "${ALICE[@]}" "$PAGE" | flag "$TID")):"
  echo "   curl -X POST -b session=sess-alice -H 'Content-Type: application/json' \\"
  echo "     --data '{\"type\":\"update\",\"item_id\":$VERSION,\"ignored\":true}' '$P/api/library/ignore/$TID'"
  curl -s -o /dev/null -D - -X POST "${ALICE[@]}" -H 'Content-Type: application/json' \
    --data "{\"type\":\"update\",\"item_id\":$VERSION,\"ignored\":true}" "$P/api/library/ignore/$TID" |
    grep -i '^cache-status' | tr -d '\r' | sed 's/^/   /'
  echo "   her page: $(x_cache), has_non_ignored_updates: $(curl -s "${ALICE[@]}" "$PAGE" | flag "$TID")"
  echo "3. the admin scans (POST /api/library/scan through foilcache):"
  echo "   generation $(curl -s -X POST -H 'Authorization: Bearer token-admin' "$P/api/library/scan" | generation);" \
    "her page: $(x_cache), then $(x_cache)"
  [ -n "$MYFOIL_REDIS_URL" ] || return 0
  echo "4. the app's file watcher changes the library by itself (POST /__stub/library-change):"
  curl -s -o /dev/null -X POST "http://127.0.0.1:$STUB_PORT/__stub/library-change"
  # The library_updated event reaches foilcache through feeds.socketio, a moment later.
  local seen=""
  for _ in $(seq 20); do seen=$(x_cache); [[ "$seen" == *MISS* ]] && break; sleep 0.1; done
  if [[ "$seen" == *MISS* ]]; then
    echo "   library_updated arrived on $MYFOIL_REDIS_URL: her page $seen, then $(x_cache)"
  else
    echo "   her page is still a HIT after 2 s: the feed is down (foilcache_app_feed_up on $P/metrics);"
    echo "   the TTL (5 min) bounds it"
  fi
}
if [ "${DEMO_WALKTHROUGH:-1}" != 0 ]; then
  if command -v python3 >/dev/null; then walkthrough; else echo "(walk-through skipped: no python3)"; fi
  echo
fi
echo "Access log (JSON, one line per request):"
tail -n +1 -f "$WORK/access.log" &
PIDS+=($!)
wait -n "${PIDS[@]}"
