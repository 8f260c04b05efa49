#!/usr/bin/env bash
# Builds, once, the root filesystem the bare-host tests (test/bare/) run their SSH servers in: a minimal Debian 12
# (mmdebstrap --variant=minbase) holding openssh-server, dropbear-bin, sudo and iproute2, and nothing of ours:
# no node, no bpftool, no clang, no sftp-server (removed after install: openssh-server depends on its package).
# Written to .cache/bare-rootfs-<recipe hash>.tar under a lock, so parallel test files build it once.
#   scripts/build-bare-rootfs.sh        prints the tarball's path (builds it when missing)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache="$here/.cache"
mkdir -p "$cache"
packages=openssh-server,dropbear-bin,sudo,iproute2
recipe="bookworm minbase $packages v1"
hash=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
out="$cache/bare-rootfs-$hash.tar"
if [ -s "$out" ]; then echo "$out"; exit 0; fi

exec 9>"$cache/bare-rootfs.lock"
flock 9
if [ -s "$out" ]; then echo "$out"; exit 0; fi

# The Debian mirror apt already uses (as scripts/setup.sh derives it), so no host name lives in this repo.
mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
[ -n "$mirror" ] || mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
[ -n "$mirror" ] || { echo "no Debian mirror in /etc/apt/sources.list.d or /etc/apt/sources.list" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "mmdebstrap is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

tmp="$cache/bare-rootfs-$hash.tmp-$$.tar"  # mmdebstrap picks the format by the extension
trap 'rm -f "$tmp"' EXIT
echo "[bare-rootfs] building $out from $mirror (about a minute)" >&2
mmdebstrap --quiet --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='rm -f "$1"/usr/lib/openssh/sftp-server "$1"/usr/lib/sftp-server' \
  --customize-hook='sed -i "/^[[:space:]]*Subsystem/d" "$1"/etc/ssh/sshd_config' \
  --customize-hook='mkdir -p "$1"/run/sshd "$1"/sys/fs/bpf "$1"/etc/dropbear' \
  bookworm "$tmp" "$mirror" >&2
mv "$tmp" "$out"
trap - EXIT
echo "$out"
