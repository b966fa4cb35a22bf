#!/usr/bin/env bash
# Makes the debian:bookworm-slim base image the Dockerfile builds on, for a machine that
# reaches no image registry: debootstrap --variant=minbase from this machine's own apt
# mirror (the first bookworm source in /etc/apt/sources.list.d/ or /etc/apt/sources.list),
# the machine's apt sources copied in, then trimmed as Debian's official slim image is
# (no documentation, man pages or translations: dpkg path-excludes, so packages installed
# later skip them too; no apt lists or caches), and imported under the official name.
#
#   deploy/docker/bookworm-slim.sh ENGINE...     e.g. deploy/docker/bookworm-slim.sh podman
#
# Needs root and debootstrap (deploy/install-deps.sh --image). Prints the rootfs size.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 ENGINE [ENGINE FLAGS...]" >&2; exit 2; }
NAME=docker.io/library/debian:bookworm-slim

mirror() {
  local f found
  found=$(for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    # deb822 stanzas: the URIs of the first one whose Suites has bookworm.
    awk 'BEGIN{RS=""} /(^|\n)Types:[^\n]*deb([ \t]|\n|$)/ && /(^|\n)Suites:[^\n]*bookworm([ \t]|\n|$)/ {
           if (match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH); sub(/.*URIs:[ \t]*/, "", s); print s; exit } }' "$f"
  done)
  [ -n "$found" ] && { sed -n 1p <<<"$found"; return 0; }
  found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '!done && $1 == "deb" && $3 == "bookworm" {for (i = 2; i <= NF; i++) if ($i !~ /^\[/) {print $i; done = 1; break}}')
  [ -n "$found" ] && echo "$found"
}

work=$(mktemp -d /var/tmp/foilcache-bookworm-slim.XXXXXX)
trap 'rm -rf "$work"' EXIT
url=$(mirror) || { echo "bookworm-slim.sh: no bookworm apt source configured on this machine" >&2; exit 1; }
root=$work/rootfs
echo "bookworm-slim.sh: debootstrap --variant=minbase bookworm from $url"
debootstrap --variant=minbase bookworm "$root" "$url" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }
echo "bookworm-slim.sh: debootstrap rootfs $(du -sm "$root" | cut -f1) MB"

# The machine's apt sources (its mirror, bookworm-updates and -security) instead of
# debootstrap's single line; enabled files only.
shopt -s nullglob
copied=0
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
  [ -r "$f" ] || continue
  grep -q bookworm "$f" || continue
  mkdir -p "$root$(dirname "$f")"
  cp "$f" "$root$f"
  copied=1
done
((copied)) && [ ! -e /etc/apt/sources.list ] && rm -f "$root/etc/apt/sources.list"

# As Debian's slim images: documentation, man pages and translations are not installed.
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
CFG
: "${root:?}"   # never empty below: these globs would name the host's own /usr, /dev, /tmp
find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "${root:?}"/usr/share/{man,groff,info,locale,lintian,linda}/* \
  "${root:?}"/var/lib/apt/lists/* "${root:?}"/var/cache/apt/*.bin "${root:?}"/var/cache/apt/archives/*.deb \
  "${root:?}"/var/cache/debconf/*-old "${root:?}"/var/log/* "${root:?}"/dev/* "${root:?}"/run/* "${root:?}"/tmp/*
# As in Debian's images: packages installed in a build never start their services.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
echo "bookworm-slim.sh: slim rootfs $(du -sm "$root" | cut -f1) MB"

tar -C "$root" --numeric-owner -c . | "$@" import \
  --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$NAME" >"$work/import.log" 2>&1 || { cat "$work/import.log" >&2; exit 1; }
echo "bookworm-slim.sh: imported as $NAME"
