#!/usr/bin/env bash
# Installs the Debian 12 packages foilcache needs. The one place package names live: `make`,
# CI and both stages of deploy/docker/Dockerfile call this script, never apt-get directly.
# Idempotent: installs only what is missing; apt-get update runs once, only when needed.
#
#   install-deps.sh            everything to build, test and run the demo (`make deps`)
#   install-deps.sh --build    only what compiling foilcache needs (the image's build stage)
#   install-deps.sh --runtime  only the shared libraries the binary loads (the image's runtime stage)
#   install-deps.sh --image    the container engine and tools `make image-test` uses (host side)
#   install-deps.sh --redis    Redis, for the compose test's Redis stand-in image
#   add --print to any of them to print the list and install nothing
set -euo pipefail

# Compiling proxy/ and upstream_stub/ (CMakeLists.txt's find_package / pkg_check_modules).
BUILD_PACKAGES=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-url1.81-dev
  libhiredis-dev rapidjson-dev libyaml-cpp-dev prometheus-cpp-dev
  libssl-dev zlib1g-dev
)

# Tests, benchmarks, the demo and the deploy checks (deploy/check-deploy.sh): docker-compose
# validates the compose file, systemd brings systemd-analyze (absent from minimal Debian
# images), python3-yaml parses the Kubernetes manifests and python3-jsonschema validates them
# against the API's schemas (deploy/k8s/schema/), prometheus brings promtool (checks
# and unit-tests the alert rules; its server is never started). clang-16 and its runtime
# libraries bring libFuzzer and the sanitizers for the fuzz targets (`make fuzz-smoke`).
DEV_PACKAGES=(
  curl libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools redis-sentinel wrk
  docker-compose systemd python3-yaml python3-jsonschema prometheus
  clang-16 libclang-rt-16-dev
)

# What the Release binary loads at run time (`readelf -d build/foilcache | grep NEEDED`,
# mapped with `dpkg -S`): libssl3 holds libcrypto.so.3. libc6, libstdc++6 and libgcc-s1 are
# in every Debian image already. prometheus-cpp's pull library is linked but not NEEDED:
# Debian's gcc links with --as-needed and nothing calls it (/metrics is served by foilcache's
# own HTTP server). zlib1g is essential in Debian (always present); it is listed because
# CMake links it. deploy/check-deploy.sh fails if the Release binary ever needs a library
# this list does not bring. ca-certificates: the image's trust store (OpenSSL is linked), so
# a TLS peer added later verifies against Debian's CA list, not an empty one.
RUNTIME_PACKAGES=(
  libhiredis0.14 libyaml-cpp0.7 libboost-url1.81.0
  libprometheus-cpp-core1.0 libssl3 zlib1g ca-certificates
)

# `make image-test` (deploy/image-test.sh, deploy/compose-test.sh): podman builds and runs the
# image when no Docker engine answers; runc because crun refuses hybrid cgroup hierarchies
# (deploy/engine.sh says which flag each host needs); debootstrap makes the
# debian:bookworm-slim base from the configured apt mirror when no registry serves it;
# docker-compose resolves the compose file (config only: no engine is asked), python3-yaml
# reads it; curl and wrk send the requests.
IMAGE_PACKAGES=(
  podman runc debootstrap docker-compose python3-yaml curl wrk
)

# The Redis of the compose test's topology, built from Debian's package when no registry
# serves redis:7 (deploy/compose/redis-stand-in.Dockerfile); brings redis-cli too.
REDIS_IMAGE_PACKAGES=(
  redis-server
)

mode=all print=0
for arg in "$@"; do
  case "$arg" in
    --build) mode=build ;;
    --runtime) mode=runtime ;;
    --image) mode=image ;;
    --redis) mode=redis ;;
    --print) print=1 ;;
    *) echo "install-deps: unknown argument '$arg' (use --build, --runtime, --image, --redis, --print)" >&2; exit 2 ;;
  esac
done
case "$mode" in
  all) PACKAGES=("${BUILD_PACKAGES[@]}" "${DEV_PACKAGES[@]}") ;;
  build) PACKAGES=("${BUILD_PACKAGES[@]}") ;;
  runtime) PACKAGES=("${RUNTIME_PACKAGES[@]}") ;;
  image) PACKAGES=("${IMAGE_PACKAGES[@]}") ;;
  redis) PACKAGES=("${REDIS_IMAGE_PACKAGES[@]}") ;;
esac
if ((print)); then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt_get=(apt-get -o DPkg::Lock::Timeout=600 -y -qq)
"${apt_get[@]}" update >/dev/null
"${apt_get[@]}" install --no-install-recommends "${missing[@]}" >/dev/null
