#!/usr/bin/env bash
# `make image-test`: builds deploy/docker/Dockerfile for real and runs what it built.
#
#   deploy/image-test.sh           the image checks below, then deploy/compose-test.sh
#   deploy/image-test.sh --image   the image checks only
#
# Installs what it needs (deploy/install-deps.sh --image), picks the engine and the flags
# this host needs (deploy/engine.sh: a Docker engine if one answers, else podman), makes the
# debian:bookworm-slim base from the machine's apt mirror when no registry serves it
# (deploy/docker/bookworm-slim.sh), builds the runtime image and the app stand-in (the
# upstream stub, --target app-stand-in), then checks, against the stub:
#   - the image: a numeric non-root USER, its HEALTHCHECK kept, its OCI labels, its size;
#   - the container: runs as uid 10001, read-only root, no capabilities; /healthz and
#     /readyz answer 200; the image's HEALTHCHECK command passes (and fails on a closed port);
#   - a MISS then a HIT through it; SIGHUP reloads an edited config (a new TTL applies);
#   - SIGTERM drains: a slow answer and a download under way both finish, then exit 0.
# Prints the figures (build time, sizes, start-up to ready, drain time) on its last lines.
# Everything it starts is removed on exit, failure included; with podman the image store is
# private to the run (FOILCACHE_IMAGE_STORE=DIR keeps one across runs, to reuse its layers).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=/usr/bin/python3   # Debian's, the one python3-yaml installs into
only_image=0
[ "${1:-}" = --image ] && only_image=1

bash deploy/install-deps.sh --image
WORK=$(mktemp -d /var/tmp/foilcache-image-test.XXXXXX)   # /var/tmp: a store holds GBs of layers
chmod 755 "$WORK"
id=$$
IMAGE=localhost/foilcache:test-$id
STANDIN=localhost/foilcache-app-stand-in:test-$id
NET=foilcache-it-$id-net APP=foilcache-it-$id-app FC=foilcache-it-$id-fc
PIDS=()

# shellcheck source=deploy/engine.sh
source deploy/engine.sh

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -n "$ENGINE_KIND" ]; then
    remove_containers || true
    [ "$ENGINE_KIND" = docker ] && eng rmi -f "$IMAGE" "$STANDIN" >/dev/null 2>&1
    engine_cleanup
  fi
  rm -rf "$WORK"
  echo "image-test: cleaned up (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The two that join the network holder first, then the holder: podman refuses to remove a
# container others still share a namespace with, and removes several names in parallel.
remove_containers() {
  local c ok=0
  for c in "$FC" "$APP" "$NET"; do
    eng container exists "$c" 2>/dev/null || [ "$ENGINE_KIND" = docker ] || continue
    eng rm -f -t 0 "$c" >/dev/null 2>&1 || true
  done
  for c in "$FC" "$APP" "$NET"; do
    [ -z "$(eng ps -aq --filter "name=^$c\$" 2>/dev/null)" ] || { echo "image-test: $c is left" >&2; ok=1; }
  done
  return "$ok"
}

logs() {
  local c
  for c in "$FC" "$APP"; do
    echo "---- logs of $c" >&2
    eng logs "$c" 2>&1 | tail -30 >&2 || true
  done
}
fail() { echo "image-test: FAIL: $*" >&2; logs; exit 1; }
step() { echo "image-test: $*"; }
now_ms() { date +%s%3N; }
curl() { command curl --max-time 30 "$@"; }   # every request bounded, whatever foilcache does
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1000000}'; }

engine_setup "$WORK"
engine_base_image "$root"
engine_probe_with "$BASE_IMAGE" "$WORK"
base_bytes=$(eng image inspect --format '{{.Size}}' "$BASE_IMAGE")

step "building $IMAGE and $STANDIN (deploy/docker/Dockerfile; log in the failure message)"
engine_build_images "$root" "$IMAGE" "$STANDIN" "$WORK"
image_bytes=$(eng image inspect --format '{{.Size}}' "$IMAGE")
standin_bytes=$(eng image inspect --format '{{.Size}}' "$STANDIN")
step "built in ${BUILD_SECONDS}s (the stand-in then in ${STANDIN_SECONDS}s): image $(mb "$image_bytes") MB on a $(mb "$base_bytes") MB base"

# ---- The image's configuration ------------------------------------------------------------
user=$(eng image inspect --format '{{.Config.User}}' "$IMAGE")
[[ $user =~ ^[1-9][0-9]*(:[0-9]+)?$ ]] || fail "image USER is '$user', not a numeric non-root uid"
hc_json=$(engine_image_healthcheck "$IMAGE")
mapfile -t HC < <("$py" -c 'import json, sys; t = json.loads(sys.argv[1] or "null") or []; print("\n".join(t))' "$hc_json")
[ "${HC[0]:-}" = CMD ] && [ "${#HC[@]}" -gt 1 ] || fail "the image has no HEALTHCHECK CMD (saw: $hc_json): built without --format docker?"
HC=("${HC[@]:1}")
labels=$(eng image inspect --format '{{json .Config.Labels}}' "$IMAGE")
"$py" - "$labels" "$(git rev-parse HEAD 2>/dev/null || echo unknown)" <<'PY' || fail "labels: $labels"
import json, sys
labels, revision = json.loads(sys.argv[1]) or {}, sys.argv[2]
want = {k: labels.get("org.opencontainers.image." + k, "") for k in ("version", "revision", "source")}
bad = [k for k, v in want.items() if not v or v == "unknown"]
if want["revision"] != revision:
    bad.append(f"revision {want['revision']!r} != {revision!r}")
sys.exit(f"  missing or wrong: {bad}" if bad else 0)
PY
step "image: USER $user, HEALTHCHECK kept, labels $("$py" -c 'import json,sys; l=json.loads(sys.argv[1]); print(", ".join(k.split(".")[-1]+"="+v for k,v in sorted(l.items()) if k.startswith("org.opencontainers.image.") and k.split(".")[-1] in ("version","revision","source")))' "$labels")"

# ---- Run it beside the stub ---------------------------------------------------------------
# The stub and foilcache share one network namespace, as in a pod: foilcache reaches the app
# on 127.0.0.1, and only foilcache's port is published (on loopback). Where the engine has no
# container network (NET_MODE=host), both use the host's, on free loopback ports.
if [ "$NET_MODE" = host ]; then
  STUB_PORT=$(free_port) FC_PORT=$(free_port)
  HOST_PORT=$FC_PORT LISTEN=127.0.0.1:$FC_PORT
  JOIN=(--network host)
else
  STUB_PORT=8465 FC_PORT=8080 HOST_PORT=$(free_port) LISTEN=0.0.0.0:8080
  JOIN=(--network "container:$NET")
  eng run -d --name "$NET" -p "127.0.0.1:$HOST_PORT:$FC_PORT" --entrypoint sleep "$STANDIN" infinity >/dev/null ||
    fail "cannot start the network holder container"
fi
P=http://127.0.0.1:$HOST_PORT
GAME_SIZE=$((16 << 20))
# Latency x10: the shop index takes 2-4 s in the app, long enough to be in flight at SIGTERM.
eng run -d --name "$APP" "${JOIN[@]}" "$STANDIN" --listen "127.0.0.1:$STUB_PORT" \
  --latency-scale 10 --game-size "$GAME_SIZE" >/dev/null || fail "cannot start the stub"

mkdir "$WORK/conf"
cp conf/foilcache.yaml "$WORK/conf/foilcache.yaml"
chmod 755 "$WORK/conf" && chmod 644 "$WORK/conf/foilcache.yaml"
t_start=$(now_ms)
eng run -d --name "$FC" "${JOIN[@]}" --read-only --cap-drop ALL --security-opt no-new-privileges \
  --stop-timeout 40 -v "$WORK/conf:/etc/foilcache:ro" \
  -e "UPSTREAM_URL=http://127.0.0.1:$STUB_PORT" -e "FOILCACHE_LISTEN=$LISTEN" \
  -e FOILCACHE_ADMIN_TOKEN=image-test-admin -e FOILCACHE_WEBHOOK_SECRET=image-test-webhook \
  -e FOILCACHE_IDENTITY_SECRET=image-test-identity "$IMAGE" >/dev/null 2>"$WORK/run.err" ||
  { cat "$WORK/run.err" >&2; fail "cannot start $IMAGE"; }
# (podman without systemd logs that it cannot schedule the periodic health checks: they run
# only on demand there, as below.)
ready=""
for _ in $(seq 400); do   # 20 s
  code=$(curl -s -o /dev/null -w '%{http_code}' "$P/readyz" || true)
  [ "$code" = 200 ] && { ready=$(( $(now_ms) - t_start )); break; }
  [ "$(eng inspect --format '{{.State.Running}}' "$FC" 2>/dev/null)" = true ] || fail "foilcache exited before it was ready"
  sleep 0.05
done
[ -n "$ready" ] || fail "/readyz never answered 200 within 20 s on $P (last: $code)"
step "/readyz 200 ${ready} ms after \`run\`"

code=$(curl -s -o "$WORK/healthz" -w '%{http_code}' "$P/healthz") body=$(tr -d '\n' <"$WORK/healthz")
[ "$code" = 200 ] && [[ $body == *'"status":"ok"'* ]] || fail "/healthz: $code $body"
step "/healthz: $code $body"

# What runs: every uid of the container's process, read from the host.
pid=$(eng inspect --format '{{.State.Pid}}' "$FC")
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
[ "$uids" = "10001 10001 10001 10001" ] || fail "foilcache runs with uids '$uids' (want 10001 for all)"
caps=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
[ "$caps" = 0000000000000000 ] || fail "foilcache has capabilities $caps"
if eng exec "$FC" bash -c ': >/usr/local/bin/x' 2>/dev/null; then fail "the root file system is writable"; fi
step "runs as uid 10001 (real, effective, saved, fs), no capabilities, read-only root"

# The HEALTHCHECK command, as the engine runs it, and by hand on a closed port.
eng exec "$FC" "${HC[@]}" || fail "the image's HEALTHCHECK command fails on a serving foilcache"
if eng exec -e FOILCACHE_LISTEN=127.0.0.1:9 "$FC" "${HC[@]}" 2>/dev/null; then
  fail "the HEALTHCHECK command passes where nothing listens"
fi
if [ "$ENGINE_KIND" = podman ]; then
  out=$(eng healthcheck run "$FC" 2>&1) || fail "podman healthcheck run: $out"
  status=$(eng inspect --format '{{.State.Health.Status}}' "$FC")
else
  status=""
  for _ in $(seq 300); do   # 30 s: start period 5 s, interval 10 s
    status=$(eng inspect --format '{{.State.Health.Status}}' "$FC")
    [ "$status" = healthy ] && break
    sleep 0.1
  done
fi
[ "$status" = healthy ] || fail "health status '$status', not healthy"
step "HEALTHCHECK: passes (status $status), fails on a closed port"

# ---- MISS then HIT against the stub --------------------------------------------------------
x_cache() { curl -s -o /dev/null -D - -u alice:alice-pw "$P$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" {print $2}'; }
first=$(x_cache '/api/library/paged?page=1') second=$(x_cache '/api/library/paged?page=1')
[ "$first $second" = "MISS HIT" ] || fail "library page: X-Cache '$first' then '$second' (want MISS then HIT)"
step "library page through the container: $first then $second"

# ---- SIGHUP: the edited config applies --------------------------------------------------------
"$py" - "$WORK/conf/foilcache.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s2 = re.sub(r'(- name: library_paged\n(?:    .*\n)*?    ttl: )5m', r'\g<1>7m', s, count=1)
assert s2 != s, "no library_paged ttl: 5m in conf/foilcache.yaml"
open(p, "w").write(s2)
PY
eng kill --signal HUP "$FC" >/dev/null
reloaded=0
for _ in $(seq 100); do   # 10 s
  # Read whole, then matched: `curl | grep -q` would fail under pipefail when grep's early
  # exit cuts curl off (SIGPIPE), and a match would read as a miss.
  metrics=$(curl -s "$P/metrics")
  grep -q '^foilcache_config_reloads_total{result="ok"} 1' <<<"$metrics" && { reloaded=1; break; }
  sleep 0.1
done
((reloaded)) || fail "no foilcache_config_reloads_total{result=\"ok\"} 1 within 10 s of SIGHUP"
eng logs "$FC" >"$WORK/fc.log" 2>&1
grep -q 'reload: .* applied' "$WORK/fc.log" || fail "no 'reload: ... applied' in the log"
x_cache '/api/library/paged?page=2' >/dev/null
ttl=$(curl -s -o /dev/null -D - -u alice:alice-pw "$P/api/library/paged?page=2" | tr -d '\r' |
  sed -n 's/^[Cc]ache-[Ss]tatus:.*hit; ttl=\([0-9]*\).*/\1/p')
[ -n "$ttl" ] && [ "$ttl" -gt 300 ] || fail "after SIGHUP a new entry's ttl is '${ttl:-none}' (want > 300: the new 7m)"
step "SIGHUP: reload applied, a new entry lives 7m (ttl=$ttl)"

# ---- SIGTERM drains --------------------------------------------------------------------------
stub_count() {  # PATH: requests the stub received for it
  curl -s "$P/__stub/counters" | "$py" -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], 0))' "$1"
}
before=$(stub_count /index.json)
curl -s -o "$WORK/slow.body" -w '%{http_code} %{time_total}' -u alice:alice-pw "$P/index.json" >"$WORK/slow.out" &
PIDS+=($!); slow_pid=$!
curl -s -o "$WORK/game.body" -w '%{http_code}' --limit-rate 4M -u alice:alice-pw "$P/api/get_game/1" >"$WORK/game.out" &
PIDS+=($!); game_pid=$!
inflight=0
for _ in $(seq 100); do   # 10 s
  if [ "$(stub_count /index.json)" -gt "$before" ] && [ -s "$WORK/game.body" ]; then inflight=1; break; fi
  sleep 0.1
done
((inflight)) || fail "the slow request and the download never reached the app"
t_term=$(now_ms)
eng kill --signal TERM "$FC" >/dev/null
wait "$slow_pid" || fail "the slow request failed during the drain (curl exit $?)"
wait "$game_pid" || fail "the download failed during the drain (curl exit $?)"
PIDS=()
rc=$(timeout 60 "${ENGINE[@]}" wait "$FC" | tail -1) || fail "foilcache did not exit within 60 s of SIGTERM"
drain=$(( $(now_ms) - t_term ))
read -r slow_code slow_time <"$WORK/slow.out" || true   # no newline at its end
[ "$slow_code" = 200 ] || fail "the slow request got $slow_code during the drain"
game_bytes=$(stat -c %s "$WORK/game.body")
[ "$(cat "$WORK/game.out")" = 200 ] && [ "$game_bytes" = "$GAME_SIZE" ] ||
  fail "the download got $(cat "$WORK/game.out") with $game_bytes of $GAME_SIZE bytes"
[ "$rc" = 0 ] || fail "foilcache exited $rc after SIGTERM"
step "SIGTERM: the slow answer (200 in ${slow_time}s) and the 16 MiB download finished, exit 0, ${drain} ms after the signal"

remove_containers || fail "removing the containers"
step "passed"
cat <<FIGURES
image-test: figures (engine: ${ENGINE_KIND}; flags: ${ENGINE[*]:1} ${BUILD_FLAGS[*]})
image-test:   base $BASE_IMAGE        $(mb "$base_bytes") MB$( ((BASE_SECONDS)) && echo ", made in ${BASE_SECONDS}s")
image-test:   runtime image            $(mb "$image_bytes") MB, built in ${BUILD_SECONDS}s
image-test:   app stand-in image       $(mb "$standin_bytes") MB, then built in ${STANDIN_SECONDS}s
image-test:   start-up to ready        ${ready} ms (\`run\` to the first /readyz 200)
image-test:   drain                    ${drain} ms (SIGTERM to exit 0, a 2-4 s answer and a 4 MB/s download in flight)
FIGURES

if ((only_image == 0)); then
  FOILCACHE_IMAGE_STORE=${_ENGINE_STORE:-} FOILCACHE_TEST_IMAGE=$IMAGE FOILCACHE_TEST_STANDIN=$STANDIN \
    bash deploy/compose-test.sh
fi
