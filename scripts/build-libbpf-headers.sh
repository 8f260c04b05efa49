#!/usr/bin/env bash
# The libbpf headers BPF programs include (<bpf/bpf_helpers.h> and its friends), pinned, so a client compiles with
# clang alone and no libbpf-dev (docs/deploy.md "Compiling"): extracted from Debian 12's libbpf-dev (apt-get
# download: verified against the archive's signed Release file) into .cache/libbpf-headers/bpf/, which
# scripts/build.mjs copies to dist/include/bpf/ (shipped in the VSIX). Only the BPF-side headers, not the library's.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/.cache/libbpf-headers"
upstream=1.1.2
headers=(bpf_helpers.h bpf_helper_defs.h bpf_endian.h bpf_core_read.h bpf_tracing.h usdt.bpf.h)
if [ -f "$out/VERSION" ] && grep -q "^libbpf-dev 1:$upstream" "$out/VERSION"; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq libbpf-dev 2>/dev/null) || { echo "apt-get download libbpf-dev failed" >&2; exit 1; }
deb=$(ls "$work"/libbpf-dev_*.deb)
v=$(dpkg-deb -f "$deb" Version)
case "$v" in "1:$upstream"*) ;; *) echo "Debian offers libbpf-dev $v, expected $upstream" >&2; exit 1 ;; esac
dpkg-deb -x "$deb" "$work/x"
mkdir -p "$work/out/bpf"
for h in "${headers[@]}"; do cp "$work/x/usr/include/bpf/$h" "$work/out/bpf/$h"; done
printf 'libbpf-dev %s sha256 %s\n' "$v" "$(sha256sum "$deb" | cut -d' ' -f1)" > "$work/out/VERSION"
rm -rf "$out"; mkdir -p "$(dirname "$out")"; mv "$work/out" "$out"
echo "[libbpf-headers] $out: libbpf-dev $v" >&2
