#!/usr/bin/env bash
# The sidecar topology of deploy/compose/docker-compose.yml, served for real: foilcache (the
# image of deploy/docker/Dockerfile), Redis, and the app's stand-in (the upstream stub, from
# the Dockerfile's app-stand-in target, publishing the app's Socket.IO events on Redis as
# MyFoil does), with foilcache's port the only one published. Run by deploy/image-test.sh
# (which passes its images); alone it builds them first:
#
#   deploy/compose-test.sh
#
# The compose file is resolved by `docker-compose config` (its ${VAR} substitution and
# validation), and each service is started with the engine commands that stand for what
# compose does: one network namespace for the three (as a pod: each service's name resolves
# to it, so the file's own URLs, http://myfoil:8465 and redis://redis:6379/N, work
# unchanged), then, for each service, its environment, command, volumes, read_only, cap_drop,
# security_opt, healthcheck timing, restart policy and stop_grace_period from the file, in
# depends_on order with service_healthy waited for. A key this script does not translate
# fails it, so a new setting in the file cannot be skipped silently. Not started: MyFoil's
# own PostgreSQL and Celery worker (the stand-in needs neither). The images stand in for
# MyFoil's and, where no registry serves redis:7, Redis's (deploy/compose/redis-stand-in.Dockerfile).
#
# Then, through the published port: a MISS then a HIT; a write (a scan) that invalidates; a
# change the app makes by itself, announced on its Socket.IO queue, invalidating; Redis
# restarted under load with no client error; down, with nothing left.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py=/usr/bin/python3   # Debian's, the one python3-yaml installs into

bash deploy/install-deps.sh --image
WORK=$(mktemp -d /var/tmp/foilcache-compose-test.XXXXXX)
chmod 755 "$WORK"
id=$$
PROJECT=foilcache-ct-$id
NET=$PROJECT-net
VOLUMES=()
PIDS=()

# shellcheck source=deploy/engine.sh
source deploy/engine.sh

containers() { eng ps -a --format '{{.Names}}' | grep "^$PROJECT-" || true; }
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ -n "$ENGINE_KIND" ]; then
    local c
    # The services first, then the network holder they share (podman refuses it before).
    for c in $(containers | grep -vx "$NET"); do eng rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
    eng rm -f -t 0 "$NET" >/dev/null 2>&1 || true
    [ -z "$(containers)" ] || echo "compose-test: left: $(containers | tr '\n' ' ')" >&2
    for v in "${VOLUMES[@]}"; do eng volume rm -f "$v" >/dev/null 2>&1 || true; done
    if [ -z "${FOILCACHE_TEST_IMAGE:-}" ] && [ "$ENGINE_KIND" = docker ]; then
      eng rmi -f "$IMAGE" "$STANDIN" >/dev/null 2>&1 || true
    fi
    [ "$ENGINE_KIND" = docker ] && [ -n "${REDIS_BUILT:-}" ] && eng rmi -f "$REDIS_IMAGE" >/dev/null 2>&1
    engine_cleanup
  fi
  rm -rf "$WORK"
  echo "compose-test: cleaned up (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "compose-test: FAIL: $*" >&2
  local c
  for c in $(containers); do echo "---- logs of $c" >&2; eng logs "$c" 2>&1 | tail -20 >&2 || true; done
  exit 1
}
step() { echo "compose-test: $*"; }
now_ms() { date +%s%3N; }
curl() { command curl --max-time 30 "$@"; }   # every request bounded, whatever foilcache does
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

engine_setup "$WORK"
if [ -n "${FOILCACHE_TEST_IMAGE:-}" ]; then
  IMAGE=$FOILCACHE_TEST_IMAGE STANDIN=$FOILCACHE_TEST_STANDIN
  engine_probe_with "$BASE_IMAGE" "$WORK"
else
  IMAGE=localhost/foilcache:test-$id STANDIN=localhost/foilcache-app-stand-in:test-$id
  engine_base_image "$root"
  engine_probe_with "$BASE_IMAGE" "$WORK"
  step "building $IMAGE and $STANDIN"
  engine_build_images "$root" "$IMAGE" "$STANDIN" "$WORK"
fi
[ "$NET_MODE" = private ] ||
  fail "no container network on this engine: the compose topology needs one (its ports 6379, 8465, 8080 are the file's)"

# ---- The compose file, resolved -----------------------------------------------------------
HOST_PORT=$(free_port)
mkdir -p "$WORK/games"
export FOILCACHE_ADMIN_TOKEN=compose-test-admin FOILCACHE_WEBHOOK_SECRET=compose-test-webhook
export FOILCACHE_IDENTITY_SECRET=compose-test-identity POSTGRES_PASSWORD=compose-test-postgres
export MYFOIL_GAMES_DIR=$WORK/games FOILCACHE_PORT=$HOST_PORT
docker-compose -f deploy/compose/docker-compose.yml config >"$WORK/compose.yaml" 2>"$WORK/compose.err" ||
  fail "docker-compose config: $(cat "$WORK/compose.err")"

REDIS_IMAGE=redis:7
if ! eng image inspect "$REDIS_IMAGE" >/dev/null 2>&1; then
  REDIS_IMAGE=localhost/foilcache-redis-stand-in:test-$id REDIS_BUILT=1
  nice -n 10 "${ENGINE[@]}" build "${BUILD_FLAGS[@]}" -f deploy/compose/redis-stand-in.Dockerfile \
    -t "$REDIS_IMAGE" . >"$WORK/build-redis.log" 2>&1 || { tail -20 "$WORK/build-redis.log" >&2; fail "building the Redis stand-in"; }
  step "redis:7 is not in the store: Debian's Redis as its stand-in ($REDIS_IMAGE)"
fi

# One argument per line in $WORK/<service>.{flags,args}; <service>.health the healthcheck
# test (one word per line), <service>.after its depends_on with conditions.
"$py" - "$WORK" "$PROJECT" "$IMAGE" "$STANDIN" "$REDIS_IMAGE" <<'PY' || fail "translating the compose file (above)"
import re, sys, yaml
work, project, image, standin, redis_image = sys.argv[1:]
c = yaml.safe_load(open(f"{work}/compose.yaml"))
services = c["services"]
errors = []

def seconds(v):
    total, s = 0.0, str(v)
    for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", s):
        total += float(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u]
    return total

# Keys each service may have, and what becomes of them here.
KNOWN = {"build", "image", "restart", "ports", "environment", "depends_on", "healthcheck",
         "stop_grace_period", "read_only", "cap_drop", "security_opt", "command", "volumes"}
STAND_IN = {"foilcache": image, "myfoil": standin, "redis": redis_image}

def translate(name):
    s = services[name]
    unknown = set(s) - KNOWN
    if unknown:
        errors.append(f"{name}: keys not translated: {sorted(unknown)}")
    flags, args = [], []
    if name == "foilcache":
        b = s.get("build", {})
        if b.get("dockerfile") != "deploy/docker/Dockerfile":
            errors.append(f"foilcache is not built from deploy/docker/Dockerfile: {b}")
    if "restart" in s:
        flags += ["--restart", s["restart"]]
    for k, v in (s.get("environment") or {}).items():
        flags += ["-e", f"{k}={v}"]
    if s.get("read_only"):
        flags.append("--read-only")
    for cap in s.get("cap_drop", []):
        flags += ["--cap-drop", cap]
    for opt in s.get("security_opt", []):
        flags += ["--security-opt", opt]
    if "stop_grace_period" in s:
        flags += ["--stop-timeout", str(int(seconds(s["stop_grace_period"])))]
    hc = s.get("healthcheck") or {}
    for k, flag in (("interval", "--health-interval"), ("timeout", "--health-timeout"),
                    ("start_period", "--health-start-period"), ("retries", "--health-retries")):
        if k in hc:
            flags += [flag, str(hc[k])]
    for v in s.get("volumes", []):
        src, dst = v.split(":")[:2]
        if name == "myfoil":
            continue          # the stand-in reads no games, config or data
        if "/" in src:
            errors.append(f"{name}: bind mount {v} not expected")
        flags += ["-v", f"{project}-{src}:{dst}"]
        open(f"{work}/volumes", "a").write(f"{project}-{src}\n")
    test = hc.get("test")
    if name == "myfoil":
        # MyFoil's check runs python3, which the stand-in has not: the same TCP connect in bash.
        port = re.match(r"http://myfoil:(\d+)$", services["foilcache"]["environment"]["UPSTREAM_URL"]).group(1)
        test = ["CMD", "bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"]
        redis_url = s["environment"]["REDIS_URL"]
        args = ["--listen", f"0.0.0.0:{port}", "--socketio-redis", redis_url]
    elif name == "redis":
        args = [str(a) for a in s.get("command", [])]
    elif s.get("command"):
        errors.append(f"{name}: command not expected")
    if test:
        if test[0] != "CMD":
            errors.append(f"{name}: healthcheck test {test[0]} not translated")
        open(f"{work}/{name}.health", "w").write("\n".join(test[1:]) + "\n")
    after = [f"{d} {v.get('condition', 'service_started')}" for d, v in (s.get("depends_on") or {}).items()
             if d in STAND_IN]
    open(f"{work}/{name}.after", "w").write("".join(a + "\n" for a in after))
    open(f"{work}/{name}.flags", "w").write("".join(f + "\n" for f in flags))
    open(f"{work}/{name}.args", "w").write("".join(a + "\n" for a in [STAND_IN[name]] + args))

for n in STAND_IN:
    translate(n)
published = {n: s["ports"] for n, s in services.items() if s.get("ports")}
if list(published) != ["foilcache"] or len(published["foilcache"]) != 1:
    errors.append(f"published ports: {published} (only foilcache, one port)")
else:
    p = published["foilcache"][0]
    open(f"{work}/publish", "w").write(f"127.0.0.1:{p['published']}:{p['target']}\n")
for e in errors:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
[ -s "$WORK/volumes" ] && mapfile -t VOLUMES <"$WORK/volumes"

# ---- Up ------------------------------------------------------------------------------------
health_ok() {  # SERVICE: its healthcheck test, run in its container (the image's if the file has none)
  local test=()
  if [ -s "$WORK/$1.health" ]; then
    mapfile -t test <"$WORK/$1.health"
  else
    mapfile -t test < <(engine_image_healthcheck "$(head -1 "$WORK/$1.args")" |
      "$py" -c 'import json, sys; print("\n".join((json.load(sys.stdin) or [None])[1:]))')
  fi
  eng exec "$PROJECT-$1" "${test[@]}" >/dev/null 2>&1
}
wait_healthy() {  # SERVICE
  for _ in $(seq 200); do   # 20 s
    health_ok "$1" && return 0
    [ "$(eng inspect --format '{{.State.Running}}' "$PROJECT-$1" 2>/dev/null)" = true ] || fail "$1 exited"
    sleep 0.1
  done
  fail "$1 is not healthy after 20 s"
}
declare -A STARTED=()
up() {  # SERVICE, after what it depends on
  local svc=$1 dep cond flags args
  [ -n "${STARTED[$svc]:-}" ] && return 0
  while read -r dep cond; do
    [ -n "$dep" ] || continue
    up "$dep"
    [ "$cond" = service_healthy ] && wait_healthy "$dep"
  done <"$WORK/$svc.after"
  mapfile -t flags <"$WORK/$svc.flags"
  mapfile -t args <"$WORK/$svc.args"
  # stderr kept aside: podman without systemd logs there that it cannot schedule periodic
  # health checks (they run on demand here, as health_ok does).
  eng run -d --name "$PROJECT-$svc" --network "container:$NET" "${flags[@]}" "${args[@]}" >/dev/null 2>"$WORK/run-$svc.err" ||
    { cat "$WORK/run-$svc.err" >&2; fail "cannot start $svc"; }
  STARTED[$svc]=1
  step "up: $svc (${args[0]})"
}

t_up=$(now_ms)
# The namespace the services share, holding the one published port; each service name
# resolves to it.
eng run -d --name "$NET" -p "$(cat "$WORK/publish")" \
  --add-host foilcache:127.0.0.1 --add-host myfoil:127.0.0.1 --add-host redis:127.0.0.1 \
  --entrypoint sleep "$STANDIN" infinity >/dev/null || fail "cannot start the network holder"
up foilcache
P=http://127.0.0.1:$HOST_PORT
ready=0
for _ in $(seq 300); do   # 30 s
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$P/readyz")" = 200 ] && { ready=1; break; }
  sleep 0.1
done
((ready)) || fail "foilcache is not ready on $P after 30 s"
up_ms=$(( $(now_ms) - t_up ))
wait_healthy myfoil
wait_healthy foilcache
published=$(eng port "$NET" | tr '\n' ' ')
[[ $published == "8080/tcp -> 127.0.0.1:$HOST_PORT " ]] || fail "published ports: '$published' (want only foilcache's 8080)"
step "up in ${up_ms} ms; published: $published"

metric() {  # NAME{LABELS} exactly as exposed: its value, 0 if absent
  curl -s "$P/metrics" | awk -v m="$1" '$1 == m {v = $2} END {print v + 0}'
}
body=$(curl -s "$P/healthz")
[[ $body == *'"store":"enabled"'* ]] || fail "/healthz: $body (want store enabled: foilcache on Redis)"
feed=0
for _ in $(seq 100); do [ "$(metric foilcache_app_feed_up)" = 1 ] && { feed=1; break; }; sleep 0.1; done
((feed)) || fail "foilcache_app_feed_up is not 1: foilcache does not follow the app's Socket.IO queue"
step "/healthz: $body; the app's Socket.IO feed is up"

# ---- The demo requests -------------------------------------------------------------------
ALICE=(-b session=sess-alice)
PAGE="$P/api/library/paged?page=1"
x_cache() { curl -s -o /dev/null -D - "${ALICE[@]}" "$PAGE" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" {print $2}'; }
a=$(x_cache) b=$(x_cache)
[ "$a $b" = "MISS HIT" ] || fail "library page: '$a' then '$b' (want MISS then HIT)"
step "library page: $a then $b"

status=$(curl -s -o /dev/null -D - -X POST -H 'Authorization: Bearer token-admin' "$P/api/library/scan" |
  tr -d '\r' | awk -F': ' 'tolower($1) == "cache-status" {print $2}')
[[ $status == *detail=invalidated* ]] || fail "the scan's Cache-Status is '$status' (want detail=invalidated)"
a=$(x_cache) b=$(x_cache)
[ "$a $b" = "MISS HIT" ] || fail "after the scan: '$a' then '$b' (want MISS then HIT)"
step "a write (POST /api/library/scan): $status; the page: $a then $b"

applied='foilcache_app_events_total{event="library_updated",result="applied"}'
events=$(metric "$applied")
curl -s -o /dev/null -X POST "$P/__stub/library-change" || fail "POST /__stub/library-change"
seen=""
for _ in $(seq 50); do seen=$(x_cache); [ "$seen" = MISS ] && break; sleep 0.1; done
[ "$seen" = MISS ] || fail "a library change announced on Socket.IO did not invalidate the page within 5 s"
[ "$(metric "$applied")" -gt "$events" ] || fail "$applied did not grow"
step "the app's own change: library_updated on its Socket.IO queue, the page then $seen"

# Redis restarted while wrk keeps 8 connections busy for 15 s: every other request is the
# cached page (a HIT), the others pages never asked before (each a MISS that reads and
# writes Redis). Every answer must be 2xx, and foilcache must see Redis go and come back
# (its Socket.IO feed subscribes again).
cat >"$WORK/load.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then return wrk.format("GET", "/api/library/paged?page=1") end
  return wrk.format("GET", "/api/library/paged?page=" .. math.random(2, 100000000))
end
LUA
bypass='foilcache_requests_total{route="library_paged",result="BYPASS"}'
resynced='foilcache_app_feed_resyncs_total{reason="subscribed"}'
bypass0=$(metric "$bypass") resynced0=$(metric "$resynced")
requests0=$(metric 'foilcache_requests_total{route="library_paged",result="MISS"}')
nice -n 10 wrk -t 2 -c 8 -d 15s -s "$WORK/load.lua" -H 'Cookie: session=sess-alice' "$P" >"$WORK/wrk.out" 2>&1 &
PIDS+=($!); wrk_pid=$!
for _ in $(seq 100); do
  [ "$(metric 'foilcache_requests_total{route="library_paged",result="MISS"}')" -gt "$((requests0 + 20))" ] && break
  sleep 0.05
done
# The restart in two halves, so the outage is seen before Redis comes back: stop (its own
# SIGTERM, as compose would), until foilcache's /healthz says the store is degraded, start.
unavailable='foilcache_errors_total{kind="store_unavailable"}'
unavailable0=$(metric "$unavailable")
t_restart=$(now_ms)
eng stop "$PROJECT-redis" >/dev/null 2>"$WORK/restart.err" || { cat "$WORK/restart.err" >&2; fail "stopping redis"; }
degraded=0
for _ in $(seq 100); do   # 10 s
  [[ $(curl -s "$P/healthz") == *'"store":"degraded"'* ]] && { degraded=1; break; }
  sleep 0.05
done
((degraded)) || fail "foilcache's /healthz never said degraded with Redis stopped"
eng start "$PROJECT-redis" >/dev/null 2>"$WORK/restart.err" || { cat "$WORK/restart.err" >&2; fail "starting redis"; }
wait_healthy redis
restart_ms=$(( $(now_ms) - t_restart ))
kill -0 "$wrk_pid" 2>/dev/null || fail "the load ended before Redis was back (restart took $restart_ms ms)"
store=""
for _ in $(seq 100); do
  store=$(curl -s "$P/healthz")
  [[ $store == *'"store":"enabled"'* ]] && break
  sleep 0.1
done
[[ $store == *'"store":"enabled"'* ]] || fail "foilcache did not reconnect to Redis within 10 s: $store"
wait "$wrk_pid" || fail "wrk: $(cat "$WORK/wrk.out")"
PIDS=()
grep -qE 'Non-2xx|Socket errors' "$WORK/wrk.out" && { cat "$WORK/wrk.out" >&2; fail "client errors while Redis restarted (above)"; }
total=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
bypassed=$(( $(metric "$bypass") - bypass0 )) refused=$(( $(metric "$unavailable") - unavailable0 ))
[ "$(metric "$resynced")" -gt "$resynced0" ] || fail "the Socket.IO feed never subscribed again: did Redis restart?"
((bypassed + refused > 0)) || fail "no request met the Redis outage: the load did not cover it"
step "Redis restarted under load in ${restart_ms} ms: $total requests, none failed (while Redis was away: $refused store_unavailable, $bypassed BYPASS, all answered from the app); the feed subscribed again, store enabled"

# ---- Down: in reverse dependency order, each with its own grace period ------------------------
t_down=$(now_ms)
for svc in foilcache myfoil redis; do
  t0=$(now_ms)
  eng stop "$PROJECT-$svc" >/dev/null 2>"$WORK/stop.err" || { cat "$WORK/stop.err" >&2; fail "stopping $svc"; }
  rc=$(eng inspect --format '{{.State.ExitCode}}' "$PROJECT-$svc")
  [ "$svc" = foilcache ] && { fc_stop=$(( $(now_ms) - t0 )); [ "$rc" = 0 ] || fail "foilcache exited $rc on stop"; }
  eng rm "$PROJECT-$svc" >/dev/null 2>"$WORK/rm.err" || { cat "$WORK/rm.err" >&2; fail "removing $svc"; }
done
eng rm -f -t 0 "$NET" >/dev/null
for v in "${VOLUMES[@]}"; do eng volume rm "$v" >/dev/null || fail "removing volume $v"; done
left=$(containers)
[ -z "$left" ] || fail "left after down: $left"
for v in "${VOLUMES[@]}"; do eng volume inspect "$v" >/dev/null 2>&1 && fail "volume $v left after down"; done
VOLUMES=()
step "down in $(( $(now_ms) - t_down )) ms (foilcache stopped, exit 0, in ${fc_stop} ms); nothing left"
step "passed"
