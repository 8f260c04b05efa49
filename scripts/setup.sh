#!/usr/bin/env bash
# Installs, idempotently, everything ebpf-netdebug needs on a fresh Debian 12 machine of this kind:
# Debian packages, bpftool 7.5 from bookworm-backports beside the system's 7.1, the npm dependencies from the
# committed lockfile, and the bpffs / tracefs mounts. Safe to run again: each step checks before it acts.
#   scripts/setup.sh            everything the tests need
#   scripts/setup.sh --e2e      also Node 24 + code-server + Chromium for the VS Code end-to-end job
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
want_e2e=0; want_npm=1
for a in "$@"; do case "$a" in --e2e) want_e2e=1 ;; --no-npm) want_npm=0 ;; esac; done

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

debs=(clang llvm libbpf-dev bpftool iproute2 iputils-ping tcpdump openssh-server openssh-client bpftrace
      util-linux procps psmisc binutils ethtool netcat-openbsd sudo
      tshark nftables iptables mmdebstrap dropbear-bin qemu-user-static)
e2e_debs=(chromium libkrb5-dev build-essential pkg-config python3 imagemagick)

missing=()
for p in "${debs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ "$want_e2e" = 1 ]; then
  for p in "${e2e_debs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
fi

# bookworm-backports, derived from the mirror the system already uses, so no host name lives in this repo.
# Its default pin (100) means nothing is upgraded from it unless asked for by name.
bp_list=/etc/apt/sources.list.d/ebpf-netdebug-backports.sources
if [ ! -f "$bp_list" ]; then
  mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$mirror" ] || mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  if [ -n "$mirror" ]; then
    log "adding bookworm-backports from $mirror"
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    as_root tee "$bp_list" >/dev/null <<EOF
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: $keyring
EOF
    need_update=1
  fi
fi

# arm64 as a foreign architecture: scripts/build-runtime.sh downloads the arm64 packages of the agent's runtime.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  log "adding the arm64 architecture (for the arm64 agent runtime's packages)"
  as_root dpkg --add-architecture arm64
  need_update=1
fi

bpftool75_dir=/opt/ebpf-netdebug/bpftool-7.5
if [ "${#missing[@]}" -gt 0 ] || [ ! -x "$bpftool75_dir/usr/sbin/bpftool" ] || [ "${need_update:-0}" = 1 ]; then
  log "apt-get update"
  as_root apt-get update -qq || log "apt-get update reported errors; continuing with the lists it has"
fi
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  # noninteractive through sudo too (sudo resets the environment): tshark asks a debconf question (setuid dumpcap)
  # that must take its default, no, rather than wait for an answer.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bpftool 7.5 side by side: unpacked, not installed, so the system's 7.1 (and its package) stay as they are.
if [ ! -x "$bpftool75_dir/usr/sbin/bpftool" ]; then
  log "unpacking bpftool from bookworm-backports into $bpftool75_dir"
  tmp=$(mktemp -d)
  ( cd "$tmp" && apt-get download -qq bpftool/bookworm-backports 2>/dev/null ) || true
  deb=$(ls "$tmp"/bpftool_*.deb 2>/dev/null | head -n1 || true)
  if [ -n "$deb" ]; then
    as_root mkdir -p "$bpftool75_dir"
    as_root dpkg-deb -x "$deb" "$bpftool75_dir"
  else
    log "bookworm-backports has no bpftool here: tracepoint autoattach and tcx tests fall back to what 7.1 can do"
  fi
  rm -rf "$tmp"
fi

# bpffs and tracefs: a fresh VM may have neither mounted.
mountpoint -q /sys/fs/bpf || as_root mount -t bpf bpf /sys/fs/bpf
mountpoint -q /sys/kernel/tracing || as_root mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
as_root mkdir -p /run/sshd

# npm dependencies, exactly as the lockfile says.
cd "$here"
if [ "$want_npm" = 1 ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The runtime the agent brings to hosts without Node.js / bpftool 7.5 (x64 and arm64; cached in .cache/runtime),
# and the bare-host tests' root filesystem (cached in .cache/). Both skip quickly when already built.
bash "$here/scripts/build-runtime.sh"
bash "$here/scripts/build-libbpf-headers.sh"
bash "$here/scripts/build-bare-rootfs.sh" >/dev/null

if [ "$want_e2e" = 1 ]; then
  bash "$here/scripts/setup-e2e.sh"
fi
log "ready"
