#!/usr/bin/env bash
# Builds, once, a musl userland without glibc for test/bare/musl.test.ts: what an Alpine host's login sees (musl's
# loader /lib/ld-musl-x86_64.so.1, BusyBox for sh and the base tools) from Debian's own packages `musl` and
# `busybox-static` (apt-get download: apt verifies them against the archive's signed Release file). No glibc, no
# /lib64/ld-linux-x86-64.so.2 anywhere in it. Written to .cache/musl-rootfs-<recipe hash>.tar under a lock.
#   scripts/build-musl-rootfs.sh        prints the tarball's path (builds it when missing)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache="$here/.cache"
mkdir -p "$cache"
recipe="bookworm musl busybox-static v1"
hash=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
out="$cache/musl-rootfs-$hash.tar"
if [ -s "$out" ]; then echo "$out"; exit 0; fi

exec 9>"$cache/musl-rootfs.lock"
flock 9
if [ -s "$out" ]; then echo "$out"; exit 0; fi

tmp=$(mktemp -d "$cache/musl-rootfs.tmp-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "[musl-rootfs] building $out" >&2
( cd "$tmp" && apt-get download -qq musl busybox-static 2>/dev/null )
root="$tmp/root"
mkdir -p "$root"
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$root"; done
rm -rf "$root/usr/share"
# BusyBox's applets as links, where Alpine has them.
for d in bin sbin usr/bin usr/sbin; do mkdir -p "$root/$d"; done
"$root/bin/busybox" --list-full | while read -r applet; do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
mkdir -p "$root/etc" "$root/root" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/run"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
# Nothing of glibc may be in it: the test's point is that our runtime does not need the host's C library.
if find "$root" -name 'ld-linux*' -o -name 'libc.so.6' | grep -q .; then echo "glibc found in the musl rootfs" >&2; exit 1; fi
tar -C "$root" --sort=name --numeric-owner -cf "$tmp/rootfs.tar" .
mv "$tmp/rootfs.tar" "$out"
echo "$out"
