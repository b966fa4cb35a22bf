# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# The container engine the image and compose tests use, and every flag a host needs for it,
# explained here and nowhere else. Sourced by deploy/image-test.sh and deploy/compose-test.sh:
#
#   engine_setup WORKDIR    sets ENGINE, ENGINE_KIND (docker|podman); prints what it chose and why
#   engine_probe_with IMAGE WORKDIR   sets BUILD_FLAGS and NET_MODE (private|host) from probes
#   engine_cleanup          removes what the test left in the engine (its private store)
#   eng ARGS...             runs the engine with its global flags
#
# A Docker engine that answers (`docker info`) is used as it is, with no flag
# (FOILCACHE_ENGINE=podman uses podman all the same). Otherwise
# podman (Debian's, installed by deploy/install-deps.sh --image), with a private image store
# and state under WORKDIR (so a test never touches the machine's images and leaves nothing behind:
# FOILCACHE_IMAGE_STORE=DIR keeps one across runs, to reuse its base image and build cache)
# and, only where a probe shows this host needs it:
#
#   --storage-driver vfs        the kernel cannot mount overlayfs here (a nested overlay, an
#                               old kernel): vfs copies each layer instead (slower, larger).
#   --runtime runc              crun would be used and the cgroup hierarchy is not the unified
#                               (v2) one: crun refuses hybrid v1/v2 hierarchies, runc runs.
#   --cgroup-manager cgroupfs   podman is set to the systemd cgroup manager and systemd is not
#                               running (a container, a sandbox): cgroupfs writes the cgroup
#                               files itself.
#   default_ulimits = []        (a containers.conf in WORKDIR, through CONTAINERS_CONF) as root,
#                               podman raises RLIMIT_NOFILE to 1048576 in every container; a
#                               process without CAP_SYS_RESOURCE whose hard limit is lower
#                               cannot, and every `run` and build RUN fails with "error setting
#                               rlimit type 7". Empty: containers keep the caller's limits.
#   --network host              no container network can be set up (no CNI/netavark bridge):
#                               builds and containers use the host's network, and the tests
#                               pick free loopback ports instead of publishing ports.
#   --isolation chroot          (builds only) a build RUN cannot start under the OCI runtime:
#                               buildah runs RUN steps in a chroot instead.
#
# --format docker is not a host flag: podman writes OCI images by default, and the OCI image
# format has no HEALTHCHECK; the docker format keeps it (Docker always writes it).

ENGINE=()
ENGINE_KIND=""
BUILD_FLAGS=()
NET_MODE=private
_ENGINE_STORE=""
_ENGINE_KEEP_STORE=0

eng() { "${ENGINE[@]}" "$@"; }

_engine_note() { echo "engine: $*"; }

# Can this kernel mount an overlay filesystem in DIR's file system (what podman's overlay
# driver does for every container and build step)?
_overlay_works() {
  local d=$1/overlay-probe ok=1
  mkdir -p "$d/lower" "$d/upper" "$d/work" "$d/merged"
  if mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/merged" 2>/dev/null; then
    umount "$d/merged" && ok=0
  fi
  rm -rf "$d"
  return "$ok"
}

# Can a process raise its RLIMIT_NOFILE to podman's default for root containers?
_rlimit_raisable() { (ulimit -Hn 1048576 && ulimit -Sn 1048576) 2>/dev/null; }

engine_setup() {
  local work=$1
  if [ "${FOILCACHE_ENGINE:-}" != podman ] && command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    ENGINE=(docker)
    ENGINE_KIND=docker
    _engine_note "a Docker engine answers: docker, no extra flag"
    return 0
  fi
  command -v podman >/dev/null || { echo "engine: no Docker engine and no podman (deploy/install-deps.sh --image)" >&2; return 1; }
  ENGINE_KIND=podman
  if [ -n "${FOILCACHE_IMAGE_STORE:-}" ]; then
    _ENGINE_STORE=$FOILCACHE_IMAGE_STORE
    _ENGINE_KEEP_STORE=1
  else
    _ENGINE_STORE=$work/store
  fi
  mkdir -p "$_ENGINE_STORE/root" "$_ENGINE_STORE/runroot" "$_ENGINE_STORE/tmp"
  # Images, container state and libpod's own state (--tmpdir: otherwise /run/libpod, shared
  # with the machine's podman, whose view of "since boot" would then reset ours) all private.
  ENGINE=(podman --root "$_ENGINE_STORE/root" --runroot "$_ENGINE_STORE/runroot" --tmpdir "$_ENGINE_STORE/tmp")
  _engine_note "podman $(podman --version | awk '{print $3}'), private store $_ENGINE_STORE"

  if [ -e "$_ENGINE_STORE/root/vfs" ] || ! _overlay_works "$_ENGINE_STORE"; then
    ENGINE+=(--storage-driver vfs)
    _engine_note "--storage-driver vfs: overlayfs cannot be mounted here"
  else
    ENGINE+=(--storage-driver overlay)
  fi

  if ! _rlimit_raisable; then
    printf '[containers]\n# See deploy/engine.sh: RLIMIT_NOFILE cannot be raised on this host.\ndefault_ulimits = []\n' \
      >"$work/containers.conf"
    export CONTAINERS_CONF=$work/containers.conf
    _engine_note "default_ulimits = [] (CONTAINERS_CONF): RLIMIT_NOFILE cannot be raised to 1048576 (hard limit $(ulimit -Hn))"
  fi

  local info runtime manager
  info=$("${ENGINE[@]}" info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}' 2>"$work/engine-info.err") ||
    { cat "$work/engine-info.err" >&2; echo "engine: podman info failed" >&2; return 1; }
  read -r runtime manager <<<"$info"
  if [ "$runtime" = crun ] && [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
    command -v runc >/dev/null || { echo "engine: crun on a hybrid cgroup hierarchy, and no runc" >&2; return 1; }
    ENGINE+=(--runtime runc)
    _engine_note "--runtime runc: crun refuses this hybrid (v1 + v2) cgroup hierarchy"
  fi
  if [ "$manager" = systemd ] && [ ! -d /run/systemd/system ]; then
    ENGINE+=(--cgroup-manager cgroupfs)
    _engine_note "--cgroup-manager cgroupfs: systemd is not running"
  fi
  _engine_note "${ENGINE[*]}"
}

# After the base image exists: can a container start on the engine's own network, and can a
# build RUN start under the OCI runtime? Each failure turns on the flag that fixes it.
engine_probe_with() {  # IMAGE WORKDIR
  local image=$1 work=$2
  [ "$ENGINE_KIND" = podman ] || return 0
  if ! eng run --rm "$image" true >"$work/probe-run.out" 2>&1; then
    if eng run --rm --network host "$image" true >/dev/null 2>&1; then
      NET_MODE=host
      BUILD_FLAGS+=(--network host)
      _engine_note "--network host: no container network here ($(tail -1 "$work/probe-run.out"))"
    else
      cat "$work/probe-run.out" >&2
      echo "engine: a container cannot start (above)" >&2
      return 1
    fi
  fi
  mkdir -p "$work/probe-build"
  printf 'FROM %s\nRUN true\n' "$image" >"$work/probe-build/Containerfile"
  if ! eng build "${BUILD_FLAGS[@]}" -q -t localhost/foilcache-probe:build "$work/probe-build" >"$work/probe-build.out" 2>&1; then
    if eng build "${BUILD_FLAGS[@]}" --isolation chroot -q -t localhost/foilcache-probe:build "$work/probe-build" >/dev/null 2>&1; then
      BUILD_FLAGS+=(--isolation chroot)
      _engine_note "--isolation chroot (builds): a RUN cannot start under the OCI runtime ($(tail -1 "$work/probe-build.out"))"
    else
      cat "$work/probe-build.out" >&2
      echo "engine: a build RUN cannot start (above)" >&2
      return 1
    fi
  fi
  eng rmi -f localhost/foilcache-probe:build >/dev/null 2>&1 || true
  BUILD_FLAGS+=(--format docker)
}

# The image's HEALTHCHECK test as JSON (["CMD", ...]), or nothing.
engine_image_healthcheck() {  # IMAGE
  if [ "$ENGINE_KIND" = podman ]; then
    eng image inspect --format '{{json .HealthCheck.Test}}' "$1"
  else
    eng image inspect --format '{{json .Config.Healthcheck.Test}}' "$1"
  fi
}

engine_cleanup() {
  [ "$ENGINE_KIND" = podman ] || return 0
  [ -n "$_ENGINE_STORE" ] || return 0
  ((_ENGINE_KEEP_STORE)) && return 0
  # Containers are removed by the tests' own cleanup; this drops the store's images and
  # mounts, then the store.
  eng rm -af -t 0 >/dev/null 2>&1 || true
  eng system reset --force >/dev/null 2>&1 || true
  rm -rf "$_ENGINE_STORE"
}

# debian:bookworm-slim in the engine: already there, or pulled (FOILCACHE_BASE_PULL=1, for an
# engine that reaches a registry), or made by deploy/docker/bookworm-slim.sh from this
# machine's apt mirror. Sets BASE_SECONDS (0 when it was there).
BASE_IMAGE=debian:bookworm-slim
BASE_SECONDS=0
engine_base_image() {  # ROOT
  if eng image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    _engine_note "base $BASE_IMAGE: in the store already"
    return 0
  fi
  local t0=$SECONDS
  if [ "${FOILCACHE_BASE_PULL:-0}" = 1 ]; then
    eng pull "$BASE_IMAGE"
  else
    bash "$1/deploy/docker/bookworm-slim.sh" "${ENGINE[@]}"
  fi
  BASE_SECONDS=$((SECONDS - t0))
}

# Builds the runtime image and the app stand-in (deploy/docker/Dockerfile), niced: the
# machine's other work keeps its cores. Sets BUILD_SECONDS, STANDIN_SECONDS.
engine_build_images() {  # ROOT IMAGE STANDIN_IMAGE LOGDIR
  local root=$1 image=$2 standin=$3 logs=$4 version revision source t0
  version=$(sed -n 's/^project(foilcache VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
  revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
  # The source is where the checkout came from; a checkout without a remote names itself.
  source=${FOILCACHE_IMAGE_SOURCE:-$(git -C "$root" config --get remote.origin.url 2>/dev/null ||
    echo "file://$(cd "$root" && pwd)")}
  local args=("${BUILD_FLAGS[@]}" --build-arg "VERSION=${version:-unknown}" --build-arg "REVISION=$revision"
    --build-arg "SOURCE=$source" -f "$root/deploy/docker/Dockerfile")
  t0=$SECONDS
  if ! nice -n 10 "${ENGINE[@]}" build "${args[@]}" -t "$image" "$root" >"$logs/build.log" 2>&1; then
    tail -40 "$logs/build.log" >&2
    echo "engine: building $image failed (log above)" >&2
    return 1
  fi
  BUILD_SECONDS=$((SECONDS - t0))
  t0=$SECONDS
  if ! nice -n 10 "${ENGINE[@]}" build "${args[@]}" --target app-stand-in -t "$standin" "$root" >"$logs/build-stand-in.log" 2>&1; then
    tail -40 "$logs/build-stand-in.log" >&2
    echo "engine: building $standin failed (log above)" >&2
    return 1
  fi
  STANDIN_SECONDS=$((SECONDS - t0))
}
