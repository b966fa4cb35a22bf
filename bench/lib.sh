# Shared by the bench/run-*.sh scripts (sourced, not run): a temp work dir whose processes
# are stopped and which is removed on exit, free loopback ports and bounded waits.
#   bench_setup NAME      WORK=/tmp/foilcache-NAME.XXXXXX, PIDS=(), cleanup on EXIT
#                         (KEEP=1 keeps WORK for a look at the logs)
#   free_port             an unused loopback port
#   wait_http URL [LOG]   up to 15 s for URL to answer; else print LOG and exit 1
#   wait_redis PORT       up to 15 s for PING on PORT; else print $WORK/redis.log and exit 1

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
