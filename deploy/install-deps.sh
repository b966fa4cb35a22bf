#!/usr/bin/env bash
# Installs the Debian 12 packages foilcache needs to build, test and run its demo.
# Idempotent: installs only what is missing; apt-get update runs once, only when needed.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config curl
  libboost1.81-dev libboost-url1.81-dev
  libhiredis-dev rapidjson-dev libyaml-cpp-dev prometheus-cpp-dev
  libssl-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
  redis-server wrk
)

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
