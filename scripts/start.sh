#!/usr/bin/env bash
# npm start: the extension in a real VS Code (code-server) against a lab host, from a fresh machine.
#   1. scripts/setup.sh --e2e   Debian packages, npm deps, Node 24 + code-server + Chromium (idempotent, cached)
#   2. npm run package          builds every bundle and dist/ebpf-netdebug.vsix
#   3. test/e2e/helpers/startSession.ts: a lab host (namespace with eth0 + a peer to ping from + sshd reachable
#      over a veth), code-server with the VSIX installed and configured for that host, a workspace with bpf/.
# Prints the URL; Ctrl-C stops everything it started and removes the lab. Needs root (namespaces, BPF).
# Environment: PORT (default 8080), BIND (default 127.0.0.1), SKIP_SETUP=1 to skip step 1.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
if [ "$(id -u)" != 0 ]; then
  echo "npm start needs root: it creates network namespaces and loads BPF programs" >&2
  exit 1
fi
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh --e2e
fi
npm run --silent package >/dev/null
echo "[start] packaged dist/ebpf-netdebug.vsix"
# exec: Ctrl-C reaches the session process directly, which cleans up before it exits.
exec node --import tsx test/e2e/helpers/startSession.ts
