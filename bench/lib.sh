# Shared by the bench/run-*.sh scripts (sourced, not run): a temp work dir whose processes
# are stopped and which is removed on exit, free loopback ports and bounded waits.
#   bench_setup NAME      WORK=/tmp/foilcache-NAME.XXXXXX, PIDS=(), cleanup on EXIT
#                         (KEEP=1 keeps WORK for a look at the logs)
#   free_port             an unused loopback port
#   wait_http URL [LOG]   up to 15 s for URL to answer; else print LOG and exit 1
#   wait_redis PORT       up to 15 s for PING on PORT; else print $WORK/redis.log and exit 1
#   start_redis           a private redis-server (no persistence) on P_REDIS (set here), up
#   start_anchors_origin ANCHORS_SH
#                         static nginx on P_ORIGIN (set here) serving the anchors' payloads
#                         (/api/library/paged?page=1..3, 25 KiB; /api/system/info, ~330 B)

bench_setup() {
  WORK=$(mktemp -d "/tmp/foilcache-$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  # CONT first: a benchmark may leave a process SIGSTOPped.
  for pid in "${PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {
  for _ in $(seq 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "$1 not up" >&2
  [ -n "${2:-}" ] && cat "$2" >&2
  exit 1
}

wait_redis() {
  for _ in $(seq 150); do [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0; sleep 0.1; done
  echo "redis-server on $1 not up; log:" >&2
  cat "$WORK/redis.log" >&2
  exit 1
}

start_redis() {
  P_REDIS=$(free_port)
  redis-server --bind 127.0.0.1 --port "$P_REDIS" --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  wait_redis "$P_REDIS"
}

start_anchors_origin() {
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt-get install -y -qq nginx-light >/dev/null
  chmod 755 "$WORK"  # nginx workers read the payloads
  # The anchors' own generator, extracted (not copied) from the heredoc that feeds it.
  mkdir -p "$WORK/www/library"
  sed -n "/^\"\$PY\" - \"\$DATA\" <<'EOF'$/,/^EOF$/p" "$1" | sed '1d;$d' >"$WORK/gen.py"
  [ -s "$WORK/gen.py" ] || { echo "no payload generator found in $1" >&2; exit 1; }
  python3 "$WORK/gen.py" "$WORK/www"
  P_ORIGIN=$(free_port)
  local run_user=""; [ "$(id -u)" = 0 ] && run_user="user root;"
  cat >"$WORK/nginx.conf" <<NGX
$run_user
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
  wait_http "http://127.0.0.1:$P_ORIGIN/api/system/info" "$WORK/nginx-error.log"
}
