#!/usr/bin/env bash
# First step of `npm test`: installs the Debian packages the tests need, so that a fresh Debian
# machine with Node passes `npm install && npm test`. Does nothing (in milliseconds) once they are in.
set -euo pipefail

# The one list of Debian packages the tests need.
PACKAGES=(
  chromium       # browser tests (/usr/bin/chromium)
  musl           # musl-only root for the chroot test of the backend (/lib/ld-musl-*.so.1)
  busybox-static # static /bin/sh and tools in that root
  qemu-user-static # the arm64 executable under emulation (qemu-aarch64-static)
  binutils       # strip, for the amd64 executable the build ships
  postgresql     # the shared index store (initdb/pg_ctl of /usr/lib/postgresql/15/bin, started by the tests)
)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]; }

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "test-setup: not a Debian system; the tests need these Debian packages: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for package in "${PACKAGES[@]}"; do
  installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  echo "test-setup: run as root (or install sudo): apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "test-setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists: fetch them only when one of the packages is unknown.
for package in "${missing[@]}"; do
  if ! apt-cache show "$package" >/dev/null 2>&1; then
    "${as_root[@]}" apt-get update
    break
  fi
done
# Without recommends: chromium's alone would pull in hundreds of megabytes the tests never use.
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
