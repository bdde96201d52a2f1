#!/usr/bin/env bash
# Makes sure a Docker engine answers and the base image the Dockerfiles start from exists.
#   bash docker/base_image.sh
# 1. The engine: when `docker info` fails, installs docker.io and docker-compose (Debian 12)
#    when missing and starts dockerd in the background (machines without systemd), logging to
#    /var/log/dockerd.log, then waits until it answers.
# 2. The base image debian:bookworm-slim: pulled where a registry is reachable; where none is,
#    built here: debootstrap --variant=minbase of bookworm from the Debian mirror, imported with
#    `docker import`. Either way the Dockerfiles say FROM debian:bookworm-slim unchanged.
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), DEBIAN_SECURITY_MIRROR
# (default http://deb.debian.org/debian-security), BASE_IMAGE (default debian:bookworm-slim).
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)

apt_install() {
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # With docker.io's recommends (cgroupfs-mount, apparmor, ...): the set checked on these machines.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_engine() {
  local missing=() p
  for p in docker.io docker-compose debootstrap; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "base_image: installing ${missing[*]}"
    apt_install "${missing[@]}"
  fi
  docker info >/dev/null 2>&1 && return 0
  echo "base_image: starting dockerd (log: /var/log/dockerd.log)"
  # shellcheck disable=SC2024  # the log is root's, written by the root shell sudo starts
  "${sudo[@]}" sh -c 'nohup dockerd >>/var/log/dockerd.log 2>&1 &'
  local i
  for ((i = 0; i < 60; i++)); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "base_image: dockerd did not answer within 60 s; see /var/log/dockerd.log" >&2
  tail -20 /var/log/dockerd.log >&2 || true
  exit 1
}

ensure_base_image() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
  if timeout 60 docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
    echo "base_image: pulled $BASE_IMAGE"
    return 0
  fi
  echo "base_image: no registry answers; building $BASE_IMAGE with debootstrap from $DEBIAN_MIRROR"
  local rootfs
  rootfs=$(mktemp -d /var/tmp/bookworm-rootfs.XXXXXX)
  # shellcheck disable=SC2064  # expand now: the trap must remove this run's folder
  trap "${sudo[*]} rm -rf '$rootfs'" EXIT
  "${sudo[@]}" debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >/dev/null
  # The suites the official image has: security fixes and updates too, not only the release.
  "${sudo[@]}" rm -f "$rootfs/etc/apt/sources.list"
  "${sudo[@]}" tee "$rootfs/etc/apt/sources.list.d/debian.sources" >/dev/null <<SOURCES
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  # As in the official slim image: no package caches or lists.
  "${sudo[@]}" rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  "${sudo[@]}" tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
  echo "base_image: imported $BASE_IMAGE ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE") bytes)"
}

ensure_engine
ensure_base_image
