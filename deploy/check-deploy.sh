#!/usr/bin/env bash
# Checks the deployment files against the foilcache binary in BUILD_DIR (ctest: deploy_checks).
#   deploy/check-deploy.sh BUILD_DIR
# Nothing here needs a container engine or a Kubernetes cluster: building the image and
# running it and the compose topology is `make image-test` (deploy/image-test.sh); the
# Kubernetes manifests are validated against the API's own schemas (deploy/k8s/schema/).
# A missing tool is a failure, never a skip: deploy/install-deps.sh installs them all.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
bin=$(cd "$1" && pwd)/foilcache
py=/usr/bin/python3                    # Debian's python, the one python3-yaml installs into

fail() { echo "check-deploy: FAIL: $*" >&2; exit 1; }
step() { echo "check-deploy: $*"; }
package_of() {  # PATH: the package owning it, as dpkg recorded it (/lib or /usr/lib: usrmerge)
  local real c
  real=$(readlink -f "$1")
  for c in "$1" "$real" "${1#/usr}" "/usr$1" "${real#/usr}" "/usr$real"; do
    # awk reads all of its input (head would close the pipe early: SIGPIPE under pipefail).
    dpkg-query -S "$c" 2>/dev/null | awk -F: 'NR == 1 {print $1}' | grep . && return 0
  done
  return 1
}
need_tool() {  # COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 ||
    fail "'$1' is missing: run deploy/install-deps.sh (Debian package $2)"
}
need_tool docker-compose docker-compose
need_tool systemd-analyze systemd
need_tool readelf binutils
need_tool dpkg-query dpkg
need_tool sha256sum coreutils
need_tool ldconfig libc-bin
need_tool cmake cmake
need_tool promtool prometheus
if ! { [ -x "$py" ] && "$py" -c 'import yaml' 2>/dev/null; }; then
  fail "$py with the yaml module is missing: run deploy/install-deps.sh (Debian package python3-yaml)"
fi
"$py" -c 'import jsonschema' 2>/dev/null ||
  fail "$py has no jsonschema module: run deploy/install-deps.sh (Debian package python3-jsonschema)"
[ -x "$bin" ] || fail "no executable $bin: build foilcache first"

tmp=$(mktemp -d /tmp/foilcache-check-deploy.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

compose=(docker-compose -f "$root/deploy/compose/docker-compose.yml" --env-file "$root/deploy/compose/.env.example")
dockerfile=$root/deploy/docker/Dockerfile

# --- (a) docker-compose accepts the compose file --------------------------------------
step "docker-compose config (deploy/compose/docker-compose.yml with .env.example)"
"${compose[@]}" config -q || fail "docker-compose rejects deploy/compose/docker-compose.yml"
"${compose[@]}" config >"$tmp/compose.yaml" 2>"$tmp/compose.err" ||
  fail "docker-compose config: $(cat "$tmp/compose.err")"

# --- (b) systemd-analyze verify, ExecStart pointed at the built binary ------------------
step "systemd-analyze verify (deploy/systemd/foilcache.service, binary $bin)"
mkdir "$tmp/unit"
sed "s#/usr/local/bin/foilcache#$bin#g" "$root/deploy/systemd/foilcache.service" >"$tmp/unit/foilcache.service"
grep -q "^ExecStart=$bin " "$tmp/unit/foilcache.service" || fail "foilcache.service: no ExecStart=/usr/local/bin/foilcache"
# verify exits 0 on unknown keys and unparsable values (it only warns): any output fails.
if ! systemd-analyze verify "$tmp/unit/foilcache.service" >"$tmp/verify.out" 2>&1 || [ -s "$tmp/verify.out" ]; then
  cat "$tmp/verify.out" >&2
  fail "systemd-analyze verify reported the above for deploy/systemd/foilcache.service"
fi

# --- The Kubernetes manifests against the API's own schemas (v1.27.1, strict) -------------
# Every document render.sh prints, the example Secrets and the Helm values' sidecar; then
# broken copies (a typo in a probe, in a volume mount, a wrong type) must each be rejected,
# so the check cannot pass by checking nothing. First, so a misspelt field is reported as
# such before the structure checks below look for the fields they need.
"$root/deploy/k8s/render.sh" >"$tmp/k8s.yaml" || fail "deploy/k8s/render.sh failed"
step "Kubernetes manifests against the v1.27.1 API schemas (deploy/k8s/schema/, unknown fields rejected)"
"$py" "$root/deploy/k8s/schema/validate.py" --values "$root/deploy/k8s/helm-values-foilcache.yaml" \
  "$tmp/k8s.yaml" "$root/deploy/k8s/secret.example.yaml" || fail "deploy/k8s/ does not match the Kubernetes API schemas (above)"
"$py" "$root/deploy/k8s/schema/validate.py" --self-test "$tmp/k8s.yaml" ||
  fail "the schema check lets a broken manifest through (above)"

# --- Structure: compose, Kubernetes manifests, Helm values, grace periods ---------------
# Writes the env each deployment gives foilcache (for --check-config below) and the config
# the ConfigMap embeds.
step "compose / k8s / helm structure and grace periods"
"$py" - "$root" "$tmp" <<'PY' || fail "structure checks (above)"
import hashlib, re, sys, yaml

root, tmp = sys.argv[1], sys.argv[2]
errors = []
def check(ok, msg):
    if not ok:
        errors.append(msg)

def seconds(v):
    """compose / foilcache / systemd durations: 45, '45', '45s', '1m30s', '250ms'."""
    if isinstance(v, (int, float)):
        return float(v)
    total, s = 0.0, str(v).strip()
    parts = re.findall(r'(\d+(?:\.\d+)?)(ms|h|m|s)?', s)
    if not parts or ''.join(n + (u or '') for n, u in parts) != s:
        raise ValueError(f'unparsable duration {v!r}')
    for n, u in parts:
        total += float(n) * {'ms': 0.001, 's': 1, 'm': 60, 'h': 3600, '': 1, None: 1}[u or '']
    return total

def sleep_seconds(container):
    cmd = container.get('lifecycle', {}).get('preStop', {}).get('exec', {}).get('command', [])
    return float(cmd[1]) if len(cmd) == 2 and cmd[0] == 'sleep' else 0.0

conf_path = f'{root}/conf/foilcache.yaml'
conf_text = open(conf_path).read()
conf = yaml.safe_load(conf_text)
drain = seconds((conf.get('timeouts') or {}).get('drain', 30))   # README: default 30s
print(f'  timeouts.drain = {drain:g}s (conf/foilcache.yaml)')

# compose: foilcache is the only published port, in front of the app, with a long enough grace.
compose = yaml.safe_load(open(f'{tmp}/compose.yaml'))
services = compose['services']
fc = services.get('foilcache')
check(fc is not None, 'compose: no foilcache service')
if fc:
    published = [n for n, s in services.items() if s.get('ports')]
    check(published == ['foilcache'], f'compose: services publishing ports: {published} (only foilcache may)')
    check(fc.get('build', {}).get('dockerfile') == 'deploy/docker/Dockerfile', 'compose: foilcache not built from deploy/docker/Dockerfile')
    grace = seconds(fc.get('stop_grace_period', 10))
    check(grace >= drain, f'compose: stop_grace_period {grace:g}s < drain {drain:g}s')
    env = fc.get('environment', {})
    up = env.get('UPSTREAM_URL', '')
    m = re.match(r'http://([^:/]+):(\d+)$', up)
    check(bool(m) and m.group(1) in services and m.group(1) != 'foilcache', f'compose: UPSTREAM_URL {up!r} is not http://<app service>:<port>')
    for k in ('FOILCACHE_ADMIN_TOKEN', 'FOILCACHE_WEBHOOK_SECRET', 'FOILCACHE_IDENTITY_SECRET'):
        check(bool(env.get(k)), f'compose: foilcache has no {k}')
    with open(f'{tmp}/env.compose', 'w') as f:
        for k, v in env.items():
            f.write(f'{k}={v}\n')
    redis_cmd = ' '.join(str(x) for x in (services.get('redis', {}).get('command') or []))
    check('--maxmemory-policy volatile-lru' in redis_cmd, f'compose: redis is not started with --maxmemory-policy volatile-lru ({redis_cmd!r})')
    check('--maxmemory ' in redis_cmd, 'compose: redis has no --maxmemory')

# systemd: TimeoutStopSec covers the drain.
unit = open(f'{root}/deploy/systemd/foilcache.service').read()
m = re.search(r'^TimeoutStopSec=(\S+)', unit, re.M)
check(bool(m) and seconds(m.group(1)) >= drain, f'systemd: TimeoutStopSec must be >= drain {drain:g}s')

# Kubernetes: what render.sh prints.
docs = [d for d in yaml.safe_load_all(open(f'{tmp}/k8s.yaml')) if d]
by_kind = {}
for d in docs:
    by_kind.setdefault(d['kind'], []).append(d)
cms = [d for d in by_kind.get('ConfigMap', []) if d['metadata']['name'] == 'foilcache-config']
check(len(cms) == 1, 'k8s: render.sh printed no ConfigMap foilcache-config')
if cms:
    embedded = cms[0]['data']['foilcache.yaml']
    check(embedded == conf_text, 'k8s: the ConfigMap differs from conf/foilcache.yaml')
    open(f'{tmp}/k8s-foilcache.yaml', 'w').write(embedded)
deps = [d for d in by_kind.get('Deployment', []) if any(c['name'] == 'foilcache' for c in d['spec']['template']['spec']['containers'])]
check(len(deps) == 1, 'k8s: no Deployment with a foilcache container')
if deps:
    pod = deps[0]['spec']['template']
    spec = pod['spec']
    cs = {c['name']: c for c in spec['containers']}
    fc = cs.pop('foilcache')
    app = next(iter(cs.values()), None)
    want_sha = hashlib.sha256(conf_text.encode()).hexdigest()
    check(pod['metadata'].get('annotations', {}).get('checksum/foilcache-config') == want_sha,
          'k8s: pod annotation checksum/foilcache-config is not the sha256 of conf/foilcache.yaml')
    port = {p['name']: p['containerPort'] for p in fc.get('ports', [])}
    check(fc.get('livenessProbe', {}).get('httpGet', {}).get('path') == '/healthz', 'k8s: foilcache liveness is not GET /healthz')
    check(fc.get('readinessProbe', {}).get('httpGet', {}).get('path') == '/readyz', 'k8s: foilcache readiness is not GET /readyz')
    mounts = {m['mountPath']: m['name'] for m in fc.get('volumeMounts', [])}
    vols = {v['name']: v for v in spec.get('volumes', [])}
    cm_vol = vols.get(mounts.get('/etc/foilcache'), {})
    check(cm_vol.get('configMap', {}).get('name') == 'foilcache-config', 'k8s: ConfigMap foilcache-config is not mounted at /etc/foilcache')
    fc_stop = sleep_seconds(fc)
    check(fc_stop > 0, 'k8s: foilcache has no preStop sleep')
    tgp = spec.get('terminationGracePeriodSeconds', 30)
    check(tgp >= fc_stop + drain, f'k8s: terminationGracePeriodSeconds {tgp} < preStop {fc_stop:g} + drain {drain:g}')
    if app:
        app_stop = sleep_seconds(app)
        check(app_stop >= fc_stop + drain, f'k8s: the app\'s preStop {app_stop:g}s ends before foilcache drains ({fc_stop:g}+{drain:g}s)')
        check(tgp > app_stop, f'k8s: terminationGracePeriodSeconds {tgp} leaves the app no time after its preStop {app_stop:g}s')
        app_ports = {p['containerPort'] for p in app.get('ports', [])}
        env = {e['name']: e.get('value') for e in fc.get('env', [])}
        m = re.match(r'http://127\.0\.0\.1:(\d+)$', env.get('UPSTREAM_URL') or '')
        check(bool(m) and int(m.group(1)) in app_ports, f'k8s: UPSTREAM_URL {env.get("UPSTREAM_URL")!r} is not the app container\'s port')
    with open(f'{tmp}/env.k8s', 'w') as f:
        for e in fc.get('env', []):
            # Secret values are not in the manifests: any non-empty value exercises the config.
            f.write(f"{e['name']}={e.get('value', 'from-secret')}\n")
    svcs = [s for s in by_kind.get('Service', []) if s['spec'].get('selector') == pod['metadata']['labels']]
    check(len(svcs) == 1, 'k8s: no Service selecting the MyFoil pod')
    for s in svcs:
        for p in s['spec']['ports']:
            t = p.get('targetPort')
            check(t == 'foilcache' or t in port.values(), f'k8s: Service {s["metadata"]["name"]} targets {t!r}, not foilcache')

    # Helm values: the same sidecar, the same shutdown numbers, the Service aimed at foilcache.
    helm = yaml.safe_load(open(f'{root}/deploy/k8s/helm-values-foilcache.yaml'))
    hc = (helm.get('extraContainers') or [{}])[0]
    check(hc == fc, 'helm values: extraContainers[0] differs from the foilcache container in myfoil.yaml')
    check(helm.get('terminationGracePeriodSeconds') == tgp, 'helm values: terminationGracePeriodSeconds differs from myfoil.yaml')
    if app:
        check(helm.get('lifecycle') == app.get('lifecycle'), 'helm values: the app lifecycle differs from myfoil.yaml')
    check(helm.get('service', {}).get('ports', {}).get('targetPort') in port.values(), 'helm values: service.ports.targetPort is not foilcache\'s port')

redis = [d for d in by_kind.get('Deployment', []) if d['metadata']['name'] == 'redis']
if redis:
    args = ' '.join(redis[0]['spec']['template']['spec']['containers'][0].get('args', []))
    check('--maxmemory-policy volatile-lru' in args, 'k8s: redis is not run with --maxmemory-policy volatile-lru')

for e in errors:
    print(f'  {e}', file=sys.stderr)
sys.exit(1 if errors else 0)
PY

# --- (c) every shipped config passes --check-config, with the env each deployment gives --
run_check_config() {  # LABEL FILE [ENVFILE]
  local envs=()
  [ -n "${3:-}" ] && mapfile -t envs <"$3"
  env -i PATH="$PATH" "${envs[@]}" "$bin" --check-config "$2" >"$tmp/cc.out" 2>&1 ||
    { cat "$tmp/cc.out" >&2; fail "$1: foilcache --check-config rejects $2"; }
  step "  --check-config OK: $1"
}
step "foilcache --check-config"
run_check_config "conf/foilcache.yaml, no env (the image's and the unit's defaults)" "$root/conf/foilcache.yaml"
run_check_config "conf/foilcache.yaml with the compose env" "$root/conf/foilcache.yaml" "$tmp/env.compose"
run_check_config "the k8s ConfigMap with the Deployment's env" "$tmp/k8s-foilcache.yaml" "$tmp/env.k8s"

# --- (d) the Dockerfile installs packages only through install-deps.sh ------------------
step "Dockerfile: packages only through deploy/install-deps.sh"
# One logical line per instruction (continuations joined), comments dropped.
sed -e '/^[[:space:]]*#/d' "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' >"$tmp/Dockerfile.flat"
if grep -nE '^RUN .*(apt-get|apt |aptitude|dpkg -i|pip3? install|curl |wget )' "$tmp/Dockerfile.flat"; then
  fail "the Dockerfile installs or downloads packages outside deploy/install-deps.sh (above)"
fi
awk '/^FROM /{n++} n==1 && /^RUN .*install-deps\.sh --build/{ok=1} END{exit !ok}' "$tmp/Dockerfile.flat" ||
  fail "the Dockerfile's build stage does not run install-deps.sh --build"
last=$(grep -c '^FROM ' "$tmp/Dockerfile.flat")
awk -v last="$last" '/^FROM /{n++} n==last && /^RUN .*install-deps\.sh --runtime/{ok=1} END{exit !ok}' "$tmp/Dockerfile.flat" ||
  fail "the Dockerfile's runtime stage does not run install-deps.sh --runtime"
# Every stage starts from debian:bookworm-slim or from a stage above it; the last (the
# runtime image) from debian:bookworm-slim itself.
awk '/^FROM /{ if ($2 != "debian:bookworm-slim" && !($2 in stage)) { print; bad = 1 } if (NF == 4 && toupper($3) == "AS") stage[$4] = 1 }
     END { exit bad }' "$tmp/Dockerfile.flat" ||
  fail "every stage must be FROM debian:bookworm-slim or an earlier stage (above)"
[ "$(grep '^FROM ' "$tmp/Dockerfile.flat" | tail -n 1 | awk '{print $2}')" = debian:bookworm-slim ] ||
  fail "the runtime stage (the last) must be FROM debian:bookworm-slim"
grep -qx 'ENTRYPOINT \["foilcache", "--config", "/etc/foilcache/foilcache.yaml"\]' "$tmp/Dockerfile.flat" ||
  fail "the Dockerfile's ENTRYPOINT is not foilcache --config /etc/foilcache/foilcache.yaml"
grep -qE '^USER [1-9][0-9]*(:[0-9]+)?$' "$tmp/Dockerfile.flat" || fail "the Dockerfile must set a numeric non-root USER"

# The runtime list brings every library the binary needs. libc6, libgcc-s1 and libstdc++6 are
# in every Debian image (apt needs them). Only a Release binary says what the image needs:
# Debian's gcc links with --as-needed except under -fsanitize (its specs:
# %{!fsanitize=*:--as-needed}), so a sanitizer build lists libraries the image never loads.
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if grep -qE '^lib(asan|ubsan|tsan|lsan)\.so' <<<"$needed"; then
  step "runtime libraries: not checked on this sanitizer build (no --as-needed); the Release build's run checks them"
else
  step "runtime libraries of $bin are in install-deps.sh --runtime"
  runtime=" $(bash "$root/deploy/install-deps.sh" --runtime --print | tr '\n' ' ') libc6 libgcc-s1 libstdc++6 "
  while read -r lib; do
    # No early exit in awk: ldconfig would get SIGPIPE, and pipefail would end the script
    # without a message (it did, now and then, under a parallel ctest run).
    path=$(ldconfig -p | awk -v l="$lib" '!found && $1 == l && /x86-64|x86_64/ {print $NF; found = 1}')
    [ -n "$path" ] || fail "$lib (NEEDED by foilcache) is not installed here"
    pkg=$(package_of "$path") || fail "no Debian package owns $path ($lib)"
    [[ $runtime == *" $pkg "* ]] ||
      fail "foilcache needs $lib from package $pkg, missing from install-deps.sh's RUNTIME_PACKAGES"
    echo "  $lib <- $pkg"
  done <<<"$needed"
fi

# The image's HEALTHCHECK command, run against the real binary: passes on a serving
# foilcache, fails on a port where nothing listens. Then SIGTERM must drain and exit 0.
step "Dockerfile HEALTHCHECK against a running foilcache"
"$py" - "$tmp/Dockerfile.flat" >"$tmp/healthcheck.json" <<'PY' || fail "no HEALTHCHECK ... CMD [json] in the Dockerfile"
import json, re, sys
m = re.search(r'^HEALTHCHECK .*?CMD (\[.*\])\s*$', open(sys.argv[1]).read(), re.M)
print(json.dumps(json.loads(m.group(1))))
PY
mapfile -t hc < <("$py" -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' "$tmp/healthcheck.json")
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
FOILCACHE_LISTEN=127.0.0.1:$port REDIS_URL='' UPSTREAM_URL=http://127.0.0.1:9 \
  "$bin" --config "$root/conf/foilcache.yaml" >"$tmp/run.out" 2>"$tmp/run.err" &
pid=$!
ok=0
for _ in $(seq 100); do
  if FOILCACHE_LISTEN=127.0.0.1:$port "${hc[@]}" 2>/dev/null; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
((ok)) || { cat "$tmp/run.err" >&2; fail "the HEALTHCHECK command never passed against foilcache on 127.0.0.1:$port"; }
if FOILCACHE_LISTEN=127.0.0.1:9 "${hc[@]}" 2>/dev/null; then
  fail "the HEALTHCHECK command passes where nothing listens"
fi
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=""
[ "$rc" = 0 ] || { cat "$tmp/run.err" >&2; fail "foilcache exited $rc after SIGTERM (expected a drain and 0)"; }

# --- The image's build stage can configure from exactly what it COPYs -------------------
step "CMake configures from the build stage's COPY sources alone"
mkdir "$tmp/ctx"
awk '/^FROM /{n++} n==1 && /^COPY / && !/--from=/ {for (i = 2; i < NF; i++) print $i}' "$tmp/Dockerfile.flat" |
  while read -r src; do
    [ "$src" = deploy/install-deps.sh ] && continue
    mkdir -p "$tmp/ctx/$(dirname "$src")"
    cp -r "$root/${src%/}" "$tmp/ctx/${src%/}"
  done
cmake -S "$tmp/ctx" -B "$tmp/ctx/build" -DCMAKE_BUILD_TYPE=Release \
  -DFOILCACHE_BUILD_TESTS=OFF -DFOILCACHE_BUILD_BENCH=OFF >"$tmp/cmake.out" 2>&1 ||
  { tail -20 "$tmp/cmake.out" >&2; fail "cmake cannot configure from the Dockerfile's build-stage COPY set"; }

# --- The alert rules load, and each alert fires when its unit test says (and only then) ---
step "promtool check rules / test rules (deploy/monitoring/prometheus-rules*.yml)"
promtool check rules "$root/deploy/monitoring/prometheus-rules.yml" >"$tmp/promtool.out" 2>&1 ||
  { cat "$tmp/promtool.out" >&2; fail "promtool rejects deploy/monitoring/prometheus-rules.yml"; }
(cd "$root/deploy/monitoring" && promtool test rules prometheus-rules.test.yml) >"$tmp/promtool.out" 2>&1 ||
  { cat "$tmp/promtool.out" >&2; fail "an alert rule unit test fails (deploy/monitoring/prometheus-rules.test.yml)"; }

step "all deploy checks passed"
